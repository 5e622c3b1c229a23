'use strict';
// One seeded generator for every test that needs random data (the library's: src/util/random.ts).
module.exports = require('../../dist/util/random');
