'use strict';
const assert = require('node:assert/strict');
const { loadAddon } = require('../dist/native');
const { FaceReidError } = require('../dist/errors');

describe('addon loading', () => {
  it('loads the compiled addon and registers the error class', () => {
    const addon = loadAddon();
    assert.equal(typeof addon.setErrorClass, 'function');
    assert.throws(() => addon.setErrorClass(42), (err) => err instanceof TypeError && err.code === 'ERR_INVALID_ARG_TYPE');
    assert.ok(new FaceReidError('x', 'CLOSED') instanceof Error);
  });
});
