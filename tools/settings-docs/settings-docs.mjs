#!/usr/bin/env node
// Writes .env.example and the settings table of every Markdown file of the repository root and
// docs/ that has the settings markers, from the service's settings table. With --check, writes
// nothing and fails when any of them is stale.
//   node tools/settings-docs/settings-docs.mjs [--check]
// Reads the built service (dist/apps/api): `nx run settings-docs:generate` builds it first.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as prettier from 'prettier';
import { renderEnvExample, renderSettingsTable, replaceSettingsBlock, START_MARKER } from './render.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const SETTINGS_MODULE = join(root, 'dist/apps/api/src/config/settings.js');
const USAGE = 'Usage: node tools/settings-docs/settings-docs.mjs [--check]';

let values;
try {
  ({ values } = parseArgs({ options: { check: { type: 'boolean', default: false }, help: { type: 'boolean' } } }));
} catch (error) {
  process.stderr.write(`${error.message}\n${USAGE}\n`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

if (!existsSync(SETTINGS_MODULE)) {
  process.stderr.write(
    `${relative(root, SETTINGS_MODULE)} is missing: build the service first (npx nx run api:build)\n`,
  );
  process.exit(2);
}
const settings = createRequire(import.meta.url)(SETTINGS_MODULE).settingDocs();

/** Markdown files of the root and of docs/, at any depth. */
function markdownFiles() {
  const files = readdirSync(root)
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(root, name));
  const docs = join(root, 'docs');
  if (existsSync(docs)) {
    files.push(
      ...readdirSync(docs, { recursive: true, encoding: 'utf8' })
        .filter((name) => name.endsWith('.md'))
        .map((name) => join(docs, name)),
    );
  }
  return files.sort();
}

/** [file, wanted content] for every generated file. */
const wanted = [[join(root, '.env.example'), renderEnvExample(settings)]];
const table = renderSettingsTable(settings);
for (const file of markdownFiles()) {
  const current = readFileSync(file, 'utf8');
  if (!current.includes(START_MARKER)) continue;
  let replaced;
  try {
    replaced = replaceSettingsBlock(current, table);
  } catch (error) {
    process.stderr.write(`${relative(root, file)}: ${error.message}\n`);
    process.exit(1);
  }
  const options = await prettier.resolveConfig(file);
  wanted.push([file, await prettier.format(replaced, { ...options, filepath: file })]);
}
if (wanted.length === 1) {
  process.stderr.write(`No Markdown file of the root or docs/ has the ${START_MARKER} marker\n`);
  process.exit(1);
}

const stale = wanted.filter(([file, content]) => !existsSync(file) || readFileSync(file, 'utf8') !== content);
if (values.check) {
  for (const [file] of stale) process.stderr.write(`${relative(root, file)} is stale\n`);
  if (stale.length > 0) {
    process.stderr.write(
      'The settings documentation differs from apps/api/src/config/settings.ts: run npm run generate\n',
    );
    process.exit(1);
  }
  process.stdout.write(`Settings documentation up to date (${wanted.map(([f]) => relative(root, f)).join(', ')})\n`);
} else {
  for (const [file, content] of stale) writeFileSync(file, content);
  process.stdout.write(
    stale.length === 0
      ? 'Settings documentation already up to date\n'
      : stale.map(([f]) => `Wrote ${relative(root, f)}\n`).join(''),
  );
}
