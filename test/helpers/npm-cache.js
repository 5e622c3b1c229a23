'use strict';
// An npm cache folder that holds ONLY the registry entries (package documents and tarballs) of
// the packages a lockfile names, copied out of a bigger cache with npm's own cache library
// (cacache, shipped inside npm). `npm install --offline --cache <it>` then proves that the local
// tarballs plus exactly those dependencies are all an install needs: nothing else is reachable.
const { existsSync, readFileSync, realpathSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const { dirname, join } = require('node:path');

/** A module bundled inside the npm on PATH (the same code npm reads its cache with). */
function npmBundled(...path) {
  const npmCli = realpathSync(spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim());
  // npm-cli.js lives in <npm>/bin; its dependencies in <npm>/node_modules.
  return require(join(dirname(dirname(npmCli)), 'node_modules', ...path));
}

/**
 * The registry URLs an install like the one in `projectDir` reads: every locked package's
 * document, and the tarball of each one actually on disk there (packages for other platforms are
 * resolved from their documents but never downloaded). Tarball URLs are rebuilt from name and
 * version when the lockfile leaves them out (npm's omit-lockfile-registry-resolved).
 */
function registryUrls(projectDir, registry = 'https://registry.npmjs.org/') {
  const lock = JSON.parse(readFileSync(join(projectDir, 'package-lock.json'), 'utf8'));
  const urls = new Set();
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (!path || !entry.version || entry.link || (entry.resolved && !entry.resolved.startsWith(registry))) continue;
    const name = entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    // The registry's document URL spells a scoped name's slash as %2f.
    urls.add(registry + name.replace('/', '%2f'));
    const base = name.slice(name.indexOf('/') + 1);
    if (existsSync(join(projectDir, path))) urls.add(entry.resolved ?? `${registry}${name}/-/${base}-${entry.version}.tgz`);
  }
  return urls;
}

/**
 * Copies into the npm cache folder `target` the entries of the npm cache folder `source` that an install like the one in `projectDir` reads; returns
 * how many were copied and which URLs the source cache lacked (the caller fails on those).
 */
async function cacheWithOnly(projectDir, source, target) {
  const cacache = npmBundled('cacache');
  // The entry index gives every entry of a key, not only the newest that cacache.ls shows.
  const entryIndex = npmBundled('cacache', 'lib', 'entry-index.js');
  const wanted = registryUrls(projectDir);
  const prefix = 'make-fetch-happen:request-cache:';
  // npm's --cache folder keeps its cacache store in _cacache/.
  const from = join(source, '_cacache');
  const to = join(target, '_cacache');
  let copied = 0;
  const missing = [];
  for (const url of wanted) {
    const key = prefix + url;
    // Every entry of the key, oldest first, not only the newest that cacache.ls shows: a package
    // document is cached once per Accept header (npm's abbreviated and full forms), and the
    // offline install asks for whichever form it needs.
    const entries = (await entryIndex.bucketEntries(entryIndex.bucketPath(from, key))).filter((e) => e.key === key && e.integrity);
    if (entries.length === 0) {
      missing.push(url);
      continue;
    }
    for (const entry of entries) {
      const data = await cacache.get.byDigest(from, entry.integrity);
      await cacache.put(to, key, data, { metadata: entry.metadata, integrity: entry.integrity });
      copied += 1;
    }
  }
  return { copied, missing };
}

module.exports = { cacheWithOnly, registryUrls };
