// SPDX-License-Identifier: Apache-2.0
/**
 * Every source file the project wrote carries its licence as an SPDX header on its first line (after a `#!` line):
 * `// SPDX-License-Identifier: Apache-2.0`.
 *
 *   node scripts/spdx.ts          # adds the header where it is missing
 *   node scripts/spdx.ts --check  # lists the files without it and exits 1 (npm run lint)
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const HEADER = '// SPDX-License-Identifier: Apache-2.0';
const DIRS = ['apps', 'libs', 'test', 'scripts', 'deploy'];
const SKIP = new Set(['node_modules', 'dist', 'cdk.out', 'coverage']);
const SOURCE = /\.(ts|js|cjs|mjs)$/;

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sources(path);
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) yield path;
  }
}

const files = [
  ...DIRS.flatMap((d) => [...sources(join(ROOT, d))]),
  ...['jest.config.js', 'eslint.config.js'].map((f) => join(ROOT, f)),
].filter((f) => {
  try {
    return statSync(f).isFile();
  } catch {
    return false;
  }
});
const check = process.argv.includes('--check');
const missing: string[] = [];
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const at = lines[0]?.startsWith('#!') ? 1 : 0;
  if (lines[at] === HEADER) continue;
  missing.push(relative(ROOT, file));
  if (!check) {
    lines.splice(at, 0, HEADER);
    writeFileSync(file, lines.join('\n'));
  }
}
if (check && missing.length > 0) {
  console.error(`spdx: ${missing.length} source file(s) without "${HEADER}" on their first line (node scripts/spdx.ts adds it):`);
  for (const f of missing) console.error(`  ${f}`);
  process.exit(1);
}
console.log(
  check
    ? `spdx: ${files.length} source files carry the licence header`
    : `spdx: header added to ${missing.length} of ${files.length} files`,
);
