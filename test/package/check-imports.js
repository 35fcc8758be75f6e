// Every relative import of the packed JavaScript and declarations resolves to a file inside the package:
// a `files` list that leaves one out (e.g. dist/binding.d.ts, which dist/lib/*.d.ts import as '../binding')
// would otherwise only show as `any` types or a MODULE_NOT_FOUND in a user's project.
// Usage: node check-imports.js <extracted package folder>; prints the unresolved ones, exits 1 if any.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(process.argv[2]);
const files = [];
(function walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(file);
    else if (/\.(js|d\.ts)$/.test(entry.name)) files.push(file);
  }
})(path.join(root, 'dist'));

const specifier = /(?:\bfrom\s*|\brequire\s*\(\s*|\bimport\s*\(\s*)(['"])(\.{1,2}\/[^'"]*)\1/g;
const missing = [];
let count = 0;
for (const file of files) {
  // Comments dropped: JSDoc examples quote imports that are not the file's own.
  const text = fs
    .readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
  const exts = file.endsWith('.d.ts') ? ['.d.ts', '/index.d.ts', ''] : ['.js', '/index.js', '.json', '.node', ''];
  for (const [, , spec] of text.matchAll(specifier)) {
    count++;
    const base = path.resolve(path.dirname(file), spec);
    if (!exts.some((ext) => fs.existsSync(base + ext) && fs.statSync(base + ext).isFile()))
      missing.push(`${path.relative(root, file)}: '${spec}'`);
  }
}
if (missing.length) {
  console.log(
    `${missing.length} of ${count} relative imports in ${files.length} files do not resolve inside the package:`,
  );
  for (const m of [...new Set(missing)]) console.log(`  ${m}`);
  process.exit(1);
}
console.log(`${count} relative imports in ${files.length} files resolve inside the package`);
