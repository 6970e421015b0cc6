#!/usr/bin/env node
// Fails when openapi/oc-numbers.yaml breaks clients of the contract at a git ref.
//   node tools/contract-guard/check-breaking.mjs [--base REF]
// REF defaults to the last commit on main's own line (first parents: a merged branch counts as
// one change, by its merge commit) that changed the contract, on main or origin/main; when
// the working copy equals that commit (the change has landed), to that commit's first parent,
// so a landed change is still checked. A breaking change passes only with a new major version
// in info.version.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { breakingChanges } from './breaking-changes.mjs';

const SPEC = 'openapi/oc-numbers.yaml';
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const USAGE = `Usage: npm run check:breaking [-- --base REF]
       node tools/contract-guard/check-breaking.mjs [--base REF]

Compares ${SPEC} with the contract at a git ref and lists every change that breaks its
clients: a removed or renamed path, operation, parameter, response, header or field, a narrowed
type, a new required parameter. Additive changes pass; a deliberate break passes only with a new
major version in info.version.

  --base REF   the git ref to compare with; default: the last commit on main (or origin/main)
               that changed the contract, or its parent when the working copy equals it
  --help, -h   this text

Exit status: 0 no breaking change (or one allowed by a new major version); 1 breaking changes;
2 bad usage, or no contract at the base to compare with.`;

let values;
try {
  ({ values } = parseArgs({
    options: { base: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  }));
} catch (error) {
  process.stderr.write(`check:breaking: ${error.message}\n\n${USAGE}\n`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (values.base !== undefined && values.base.trim() === '') {
  process.stderr.write(`check:breaking: --base needs a git ref, e.g. --base main\n\n${USAGE}\n`);
  process.exit(2);
}

const current = readFileSync(join(root, SPEC), 'utf8');
let base = values.base;
if (!base) {
  // A clone of another branch has main only as origin/main.
  const mainRef = ['main', 'origin/main'].find(isCommit);
  if (!mainRef) {
    console.error('check:breaking: neither main nor origin/main exists: give the base with --base REF');
    process.exit(2);
  }
  const last = git('log', '-1', '--first-parent', '--format=%H', mainRef, '--', SPEC).trim();
  if (!last) {
    console.log(`No commit on main has ${SPEC} yet: nothing to compare with.`);
    process.exit(0);
  }
  base = last;
  if (show(last) === current) {
    const parent = git('rev-list', '--max-count=1', `${last}^`, '--', SPEC).trim() ? `${last}^` : undefined;
    if (!parent || show(parent) === undefined) {
      console.log(`${SPEC} came with ${last.slice(0, 12)}: nothing older to compare with.`);
      process.exit(0);
    }
    base = parent;
  }
}
if (!isCommit(base)) {
  console.error(`check:breaking: ${base} is not a branch, tag or commit of this repository`);
  process.exit(2);
}
const previous = show(base);
if (previous === undefined) {
  console.error(`check:breaking: ${SPEC} does not exist at ${base}`);
  process.exit(2);
}

const before = parse(previous);
const after = parse(current);
const changes = breakingChanges(before, after);
const label = `${SPEC} against ${base} (${git('rev-parse', '--short=12', base).trim()})`;
if (changes.length === 0) {
  console.log(`No breaking change in ${label}.`);
  process.exit(0);
}
const major = (doc) => Number(String(doc.info?.version ?? '0').split('.')[0]);
const lines = changes.map((c) => `  - ${c}`).join('\n');
if (major(after) > major(before)) {
  console.log(`Breaking changes in ${label}, allowed by the new major version ${after.info.version}:\n${lines}`);
  process.exit(0);
}
console.error(
  `Breaking changes in ${label}:\n${lines}\n` +
    `Make the change compatible, or raise the major version of info.version (now ${after.info?.version}).`,
);
process.exit(1);

function isCommit(ref) {
  try {
    git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`);
    return true;
  } catch {
    return false;
  }
}

function show(ref) {
  try {
    return git('show', `${ref}:${SPEC}`);
  } catch {
    return undefined;
  }
}
