#!/usr/bin/env node
// Runs the contract suite. Without --base-url it boots the built service itself on SQLite and
// PostgreSQL (build it first: npx nx build api); with --base-url it tests that running instance.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { preflight } from './preflight.mjs';

const USAGE = `Usage: npm run contract -- [--base-url URL] [--seed N] [--runs N] [--no-prism]

  --base-url URL  test the service at URL (e.g. http://127.0.0.1:3000) instead of booting one;
                  its rate limit must be off (RATE_LIMIT_ENABLED=false) or high. Scenarios that
                  need a database the suite owns are reported as not run. With AUTH_MODE=jwt
                  there, set CONTRACT_TOKEN to a token with the role OcNumbers.ReadWrite.All
  --seed N        seed of the generated cases, to replay a failure (default: random, printed)
  --runs N        generated msTenantId queries per target (default 10000)
  --no-prism      do not send the traffic through a Prism proxy as well
  --help, -h      this text

Exit status: 0 the contract holds; 1 it does not (the failed tests say where); 2 bad usage, or
nothing to test at --base-url.`;

function fail(message) {
  process.stderr.write(`contract: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      'base-url': { type: 'string' },
      seed: { type: 'string' },
      runs: { type: 'string' },
      'no-prism': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (error) {
  fail(error.message);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const env = { ...process.env };
if (values['base-url'] !== undefined) {
  const url = values['base-url'];
  if (!URL.canParse(url) || !['http:', 'https:'].includes(new URL(url).protocol)) {
    fail(`--base-url must be an http:// or https:// URL (got "${url}")`);
  }
  env.CONTRACT_BASE_URL = url;
}
for (const [flag, name] of [
  ['seed', 'CONTRACT_SEED'],
  ['runs', 'CONTRACT_RUNS'],
]) {
  if (values[flag] === undefined) continue;
  if (!/^\d+$/.test(values[flag]) || (flag === 'runs' && Number(values[flag]) < 1)) {
    fail(`--${flag} must be a whole number${flag === 'runs' ? ' of at least 1' : ''} (got "${values[flag]}")`);
  }
  env[name] = values[flag];
}
if (values['no-prism']) env.CONTRACT_PRISM = 'false';
if (env.CONTRACT_BASE_URL) {
  const problem = await preflight(env.CONTRACT_BASE_URL, {
    runs: Number(env.CONTRACT_RUNS ?? 10_000),
    token: env.CONTRACT_TOKEN?.trim() || undefined,
  });
  if (problem) {
    process.stderr.write(`contract: ${problem}\n`);
    process.exit(2);
  }
}

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const jest = join(root, 'node_modules/jest/bin/jest.js');
// Where the test files leave word for each other (that a 429 was already explained).
const state = mkdtempSync(join(tmpdir(), 'oc-numbers-contract-'));
const result = spawnSync(
  process.execPath,
  ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', jest, '-c', 'apps/api-contract/jest.config.cjs'],
  { cwd: root, env: { ...env, TZ: 'UTC', CONTRACT_STATE_DIR: state }, stdio: 'inherit' },
);
rmSync(state, { recursive: true, force: true });
process.exit(result.status ?? 1);
