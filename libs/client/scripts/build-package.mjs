#!/usr/bin/env node
// Builds dist/libs/client: an installable package with ES module and CommonJS entry points,
// its declarations (the generated contract types included, so it needs nothing of this
// workspace) and its README.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const work = join(root, 'tmp/client-build');
const out = join(root, 'dist/libs/client');
const tsc = join(root, 'node_modules/typescript/bin/tsc');

rmSync(work, { recursive: true, force: true });
rmSync(out, { recursive: true, force: true });
for (const [format, module] of [
  ['cjs', 'commonjs'],
  ['esm', 'es2022'],
]) {
  execFileSync(
    process.execPath,
    [tsc, '-p', 'libs/client/tsconfig.lib.json', '--outDir', join(work, format), '--module', module],
    { cwd: root, stdio: 'inherit' },
  );
}

const built = (format, path) => join(work, format, path);
mkdirSync(join(out, 'contracts/generated'), { recursive: true });
cpSync(built('cjs', 'libs/client/src/index.js'), join(out, 'index.cjs'));
cpSync(built('esm', 'libs/client/src/index.js'), join(out, 'index.mjs'));
const declarations = readFileSync(built('cjs', 'libs/client/src/index.d.ts'), 'utf8');
writeFileSync(join(out, 'index.d.ts'), declarations.replaceAll("'@oc-numbers/contracts'", "'./contracts'"));
cpSync(built('cjs', 'libs/contracts/src/index.d.ts'), join(out, 'contracts/index.d.ts'));
cpSync(built('cjs', 'libs/contracts/src/generated/openapi.d.ts'), join(out, 'contracts/generated/openapi.d.ts'));
cpSync(join(root, 'libs/client/README.md'), join(out, 'README.md'));

const manifest = JSON.parse(readFileSync(join(root, 'libs/client/package.json'), 'utf8'));
const entry = { types: './index.d.ts', import: './index.mjs', require: './index.cjs' };
writeFileSync(
  join(out, 'package.json'),
  `${JSON.stringify(
    {
      ...manifest,
      main: './index.cjs',
      module: './index.mjs',
      types: './index.d.ts',
      exports: { '.': entry, './package.json': './package.json' },
      files: ['index.cjs', 'index.mjs', 'index.d.ts', 'contracts', 'README.md'],
      sideEffects: false,
    },
    null,
    2,
  )}\n`,
);
rmSync(work, { recursive: true, force: true });
process.stdout.write(`Built ${out}\n`);
