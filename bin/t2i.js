#!/usr/bin/env node
// Entry point of the `t2i` CLI; the code lives in the bundle dist/cli.js.
const path = require('path');
const fs = require('fs');
const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(bundle)) {
  console.error('t2i: dist/cli.js is missing; run `npm run build` first');
  process.exit(1);
}
require(bundle);
