#!/usr/bin/env node
// Writes the client facade (libs/client/src/index.ts) from the contract (openapi/oc-numbers.yaml):
// one typed function per operationId. With --check, writes nothing and fails when the file is
// stale.
//   node tools/client-gen/client-gen.mjs [--check] [--config FILE]
// FILE (default tools/client-gen/client-gen.json) names, relative to itself, the spec, the output,
// the module of the generated contract types, and other names of functions kept for older callers.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as prettier from 'prettier';
import { parse } from 'yaml';
import { renderClient } from './render.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const USAGE = 'Usage: node tools/client-gen/client-gen.mjs [--check] [--config FILE]';
const COMMAND = 'npm run generate';

let values;
try {
  ({ values } = parseArgs({
    options: {
      check: { type: 'boolean', default: false },
      config: { type: 'string', default: join(root, 'tools/client-gen/client-gen.json') },
      help: { type: 'boolean' },
    },
  }));
} catch (error) {
  process.stderr.write(`${error.message}\n${USAGE}\n`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const configFile = resolve(values.config);
const config = JSON.parse(readFileSync(configFile, 'utf8'));
const spec = resolve(dirname(configFile), config.spec);
const output = resolve(dirname(configFile), config.output);

let source;
try {
  source = renderClient({
    document: parse(readFileSync(spec, 'utf8')),
    contracts: config.contracts,
    aliases: config.aliases,
    source: relative(root, spec),
    command: config.command ?? COMMAND,
  });
} catch (error) {
  process.stderr.write(`${relative(root, spec)}: ${error.message}\n`);
  process.exit(1);
}
const options = await prettier.resolveConfig(output);
const wanted = await prettier.format(source, { ...options, filepath: output });

const current = existsSync(output) ? readFileSync(output, 'utf8') : undefined;
if (values.check) {
  if (current !== wanted) {
    process.stderr.write(
      `${relative(root, output)} is stale: it differs from what ${relative(root, spec)} generates; run ${config.command ?? COMMAND}\n`,
    );
    process.exit(1);
  }
  process.stdout.write(`${relative(root, output)} up to date with ${relative(root, spec)}\n`);
} else if (current === wanted) {
  process.stdout.write(`${relative(root, output)} already up to date\n`);
} else {
  writeFileSync(output, wanted);
  process.stdout.write(`Wrote ${relative(root, output)}\n`);
}
