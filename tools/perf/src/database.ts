import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type DatabaseTarget, DatabaseUrlError, parseDatabaseUrl, workspacePath } from '@oc-numbers/testing';
import { UsageError } from './args';

export type { DatabaseTarget } from '@oc-numbers/testing';

/** The database a command line names, by the service's rule for DATABASE_URL; a bad one is a usage error. */
export function databaseTarget(raw: string | undefined): DatabaseTarget {
  try {
    return parseDatabaseUrl(raw);
  } catch (error) {
    throw error instanceof DatabaseUrlError ? new UsageError(error.message) : error;
  }
}

/** Brings the schema up to date with the service's own migrations (its built `migrate.js`). */
export function runMigrations(target: DatabaseTarget): Promise<string> {
  return runBuilt(target, 'migrate.js', [], 'The migrations');
}

/**
 * Folds the counters' delta rows into their base rows with the service's own command (its built
 * `counts.js --compact`), as a running service would within a second: the summary is then
 * measured as it reads in steady state. Nothing to do on SQLite.
 */
export function compactCounters(target: DatabaseTarget): Promise<string> {
  return runBuilt(target, 'counts.js', ['--compact'], 'Compacting the counters');
}

async function runBuilt(target: DatabaseTarget, file: string, args: string[], what: string): Promise<string> {
  const script = workspacePath(`dist/apps/api/src/${file}`);
  if (!existsSync(script)) throw new Error(`${script} is missing: build the service first (npx nx build api)`);
  const child = spawn(process.execPath, [script, ...args], {
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: target.url, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const code = await new Promise<number | null>((done, fail) => {
    child.once('error', fail);
    child.once('exit', done);
  });
  if (code !== 0) throw new Error(`${what} failed (exit ${code}):\n${output}`);
  return output.trim();
}
