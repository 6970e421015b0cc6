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

let values;
try {
  ({ values } = parseArgs({ options: { base: { type: 'string' } } }));
} catch (error) {
  process.stderr.write(`${error.message}\nUsage: node tools/contract-guard/check-breaking.mjs [--base REF]\n`);
  process.exit(2);
}

const current = readFileSync(join(root, SPEC), 'utf8');
let base = values.base;
if (!base) {
  // A clone of another branch has main only as origin/main.
  const mainRef = ['main', 'origin/main'].find((ref) => {
    try {
      git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`);
      return true;
    } catch {
      return false;
    }
  });
  if (!mainRef) {
    console.error('Neither main nor origin/main exists: give the base with --base REF');
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
const previous = show(base);
if (previous === undefined) {
  console.error(`${SPEC} does not exist at ${base}`);
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

function show(ref) {
  try {
    return git('show', `${ref}:${SPEC}`);
  } catch {
    return undefined;
  }
}
