'use strict';
// Tests read and write gallery files through the store's own driver layer (node:sqlite or
// better-sqlite3, whichever this Node uses), so they run on every Node line the package supports.
const { openSqlite } = require('../../dist/gallery/stores/sqlite-driver');

/** Opens `file` like `new Database(file, { readonly })` would, with the driver the store uses. */
function openSqliteFile(file, options = {}) {
  return openSqlite(file, options);
}

module.exports = { openSqliteFile };
