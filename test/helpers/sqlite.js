'use strict';
// Tests read and write gallery files through the store's own driver layer (node:sqlite or
// better-sqlite3, whichever this Node uses), so they run on every Node line the package supports.
const { openSqlite } = require('../../dist/gallery/stores/sqlite-driver');

/** openSqliteFile(file, { readonly }): like `new Database(file, { readonly })`, with the driver the store uses. */
module.exports = { openSqliteFile: openSqlite };
