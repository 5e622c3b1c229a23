'use strict';
// An npm cache folder that holds ONLY the registry entries (package documents and tarballs) of
// the packages a lockfile names, copied out of a bigger cache with npm's own cache library
// (cacache, shipped inside npm). `npm install --offline --cache <it>` then proves that the local
// tarballs plus exactly those dependencies are all an install needs: nothing else is reachable.
const { realpathSync } = require('node:fs');
const { readFileSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const { dirname, join } = require('node:path');

/** npm's bundled cacache (the same code npm reads its cache with). */
function npmCacache() {
  const npmCli = realpathSync(spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim());
  // npm-cli.js lives in <npm>/bin; its dependencies in <npm>/node_modules.
  return require(join(dirname(dirname(npmCli)), 'node_modules', 'cacache'));
}

/** The registry URLs (package documents and tarballs) an install from this lockfile reads. */
function registryUrls(lockfilePath, registry = 'https://registry.npmjs.org/') {
  const lock = JSON.parse(readFileSync(lockfilePath, 'utf8'));
  const urls = new Set();
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (!path || !entry.resolved || !entry.resolved.startsWith(registry)) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    // The registry's document URL spells a scoped name's slash as %2f.
    urls.add(registry + name.replace('/', '%2f'));
    urls.add(entry.resolved);
  }
  return urls;
}

/**
 * Copies into `target` the entries of `source` that an install from `lockfilePath` reads; returns
 * how many were copied and which URLs the source cache lacked (the caller fails on those).
 */
async function cacheWithOnly(lockfilePath, source, target) {
  const cacache = npmCacache();
  const wanted = registryUrls(lockfilePath);
  const prefix = 'make-fetch-happen:request-cache:';
  const index = await cacache.ls(source);
  let copied = 0;
  const found = new Set();
  for (const [key, entry] of Object.entries(index)) {
    if (!key.startsWith(prefix) || !wanted.has(key.slice(prefix.length))) continue;
    const { data } = await cacache.get(source, key);
    await cacache.put(target, key, data, { metadata: entry.metadata, integrity: entry.integrity });
    found.add(key.slice(prefix.length));
    copied += 1;
  }
  return { copied, missing: [...wanted].filter((url) => !found.has(url)) };
}

module.exports = { cacheWithOnly, registryUrls };
