'use strict';
// KeyVerifier's cache (src/service/auth.ts): once keyCacheMs is up the store is asked again, so a
// revocation, a new scope or a new secret lands; but a record that has not changed costs no second
// scrypt, so a steady stream of requests with one key does not pay one every keyCacheMs.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { createApiKey, KeyVerifier } = require('../dist/service');

const wait = (ms) => new Promise((r) => setTimeout(r, ms));

describe('service API key cache', function () {
  let scrypts = 0;
  const scrypt = crypto.scrypt;
  before(() => {
    crypto.scrypt = (...args) => {
      scrypts++;
      return scrypt(...args);
    };
  });
  after(() => {
    crypto.scrypt = scrypt;
  });

  /** An in-memory ApiKeyStore holding copies, as a database would. */
  function store(records) {
    const rows = new Map(records.map((r) => [r.id, { ...r }]));
    let gets = 0;
    return {
      rows,
      gets: () => gets,
      get: async (id) => {
        gets++;
        const r = rows.get(id);
        return r && { ...r };
      },
    };
  }

  it('re-reads an expired key without running scrypt again while its record is unchanged', async function () {
    const { key, record } = await createApiKey({ name: 'steady', scope: 'recognize' });
    const keys = store([record]);
    const verifier = new KeyVerifier(keys, 20);
    scrypts = 0;
    assert.equal((await verifier.verify(key)).id, record.id);
    assert.equal(scrypts, 1);
    for (let i = 0; i < 3; i++) {
      await wait(30);
      const [a, b] = await Promise.all([verifier.verify(key), verifier.verify(key)]);
      assert.equal(a.id, record.id);
      assert.equal(b.id, record.id);
    }
    assert.equal(scrypts, 1, 'no scrypt after the first check');
    assert.equal(keys.gets(), 4, 'the store was asked once per expiry (concurrent requests share it)');
  });

  it('refuses a key revoked after it was cached, once keyCacheMs is up', async function () {
    const { key, record } = await createApiKey({ name: 'revoked-later', scope: 'recognize' });
    const keys = store([record]);
    const verifier = new KeyVerifier(keys, 20);
    assert.ok(await verifier.verify(key));
    keys.rows.get(record.id).revoked = new Date().toISOString();
    assert.ok(await verifier.verify(key), 'still cached');
    await wait(30);
    assert.equal(await verifier.verify(key), undefined);
    assert.equal(await verifier.verify(key), undefined, 'and stays refused');
  });

  it('takes a new scope or rate limit from the store, and checks the secret again when the hash changed', async function () {
    const { key, record } = await createApiKey({ name: 'changing', scope: 'recognize' });
    const keys = store([record]);
    const verifier = new KeyVerifier(keys, 20);
    assert.equal((await verifier.verify(key)).scope, 'recognize');
    Object.assign(keys.rows.get(record.id), { scope: 'manage', rateLimit: 5 });
    await wait(30);
    const now = await verifier.verify(key);
    assert.deepEqual([now.scope, now.rateLimit], ['manage', 5]);
    // The same id with another secret (a record replaced in the database): the old key no longer matches.
    const other = await createApiKey({ name: 'other', scope: 'recognize' });
    Object.assign(keys.rows.get(record.id), { salt: other.record.salt, hash: other.record.hash });
    await wait(30);
    scrypts = 0;
    assert.equal(await verifier.verify(key), undefined);
    assert.equal(scrypts, 1, 'the changed record was checked in full');
    keys.rows.delete(record.id);
    assert.equal(await verifier.verify(key), undefined, 'a deleted record');
  });
});
