import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from './args';

export type DatabaseTarget =
  | { readonly kind: 'sqlite'; readonly path: string; readonly url: string }
  | { readonly kind: 'postgres'; readonly url: string };

export const DEFAULT_SQLITE_PATH = 'data/oc-numbers.sqlite';

/** The service's rule for DATABASE_URL: unset is SQLite at data/, else sqlite:<path> or postgres://. */
export function databaseTarget(raw: string | undefined): DatabaseTarget {
  const value = raw?.trim() || undefined;
  if (value === undefined) {
    const path = resolve(DEFAULT_SQLITE_PATH);
    return { kind: 'sqlite', path, url: `sqlite:${path}` };
  }
  if (value.startsWith('sqlite:')) {
    const path = value.slice('sqlite:'.length).replace(/^\/\//, '');
    if (path === '')
      throw new UsageError('A sqlite: database URL needs a file path, e.g. sqlite:data/oc-numbers.sqlite');
    return { kind: 'sqlite', path: resolve(path), url: `sqlite:${resolve(path)}` };
  }
  if (/^postgres(ql)?:\/\//.test(value) && URL.canParse(value)) return { kind: 'postgres', url: value };
  throw new UsageError('The database URL must be sqlite:<path> or postgres://user@host:5432/db');
}

/** The URL with any password hidden, for messages. */
export function describeTarget(target: DatabaseTarget): string {
  if (target.kind === 'sqlite') return `SQLite at ${target.path}`;
  const url = new URL(target.url);
  if (url.password) url.password = '***';
  return `PostgreSQL at ${url.toString()}`;
}

/** The monorepo's root: the nearest folder above the working directory that holds nx.json. */
export function workspaceRoot(from = process.cwd()): string {
  let dir = from;
  while (!existsSync(join(dir, 'nx.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No nx.json above ${from}: run the tools from the workspace`);
    dir = parent;
  }
  return dir;
}

/** Brings the schema up to date with the service's own migrations (its built `migrate.js`). */
export async function runMigrations(target: DatabaseTarget): Promise<string> {
  const script = join(workspaceRoot(), 'dist/apps/api/src/migrate.js');
  if (!existsSync(script)) throw new Error(`${script} is missing: build the service first (npx nx build api)`);
  const child = spawn(process.execPath, [script], {
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
  if (code !== 0) throw new Error(`The migrations failed (exit ${code}):\n${output}`);
  return output.trim();
}
