#!/usr/bin/env node
// Completes dist/libs/testing after tsc, for the compiled tools (dist/tools/*), which import
// `@oc-numbers/testing` as their sources do: copies the plain-JavaScript modules, which tsc does
// not emit, and makes dist/node_modules/@oc-numbers/testing, the package Node finds for that
// name from anywhere in dist, pointing at the compiled toolkit.
import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const source = join(root, 'libs/testing/src');
const built = join(root, 'dist/libs/testing/src');
for (const file of readdirSync(source).filter((name) => name.endsWith('.mjs'))) {
  cpSync(join(source, file), join(built, file));
}
const alias = join(root, 'dist/node_modules/@oc-numbers/testing');
mkdirSync(alias, { recursive: true });
writeFileSync(
  join(alias, 'package.json'),
  `${JSON.stringify({ name: '@oc-numbers/testing', private: true, main: '../../../libs/testing/src/index.js' }, null, 2)}\n`,
);
