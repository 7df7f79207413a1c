// Lists the C++ sources of the addon (core + N-API glue) for binding.gyp, so new kernels need no gyp edit.
// Usage: node scripts/native-sources.cjs   -> space-separated paths relative to the package root.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const root = path.join(__dirname, '..');
function walk(dir) {
  const out = [];
  for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(rel));
    else if (/\.(cc|cpp)$/.test(e.name)) out.push(rel);
  }
  return out.sort();
}
process.stdout.write([...walk('native/core'), ...walk('native/addon')].join(' '));
