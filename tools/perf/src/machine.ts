import { readFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { Client } from 'pg';
import { Sqlite as Database, workspacePath } from '@oc-numbers/testing';

export interface Machine {
  readonly cores: number;
  readonly cpu: string;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly postgres: string | null;
  readonly sqlite: string;
  readonly autocannon: string;
}

/** What the benchmark ran on, for its report. */
export async function describeMachine(postgresUrl: string | null): Promise<Machine> {
  const memory = new Database(':memory:');
  const sqlite = (memory.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  memory.close();
  let postgres: string | null = null;
  if (postgresUrl) {
    const client = new Client({ connectionString: postgresUrl });
    await client.connect();
    try {
      postgres = (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v;
    } finally {
      await client.end();
    }
  }
  const autocannon = JSON.parse(readFileSync(workspacePath('node_modules/autocannon/package.json'), 'utf8')) as {
    version: string;
  };
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
    postgres,
    sqlite,
    autocannon: autocannon.version,
  };
}

export function machineLine(m: Machine): string {
  return (
    `${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}, ` +
    `PostgreSQL ${m.postgres ?? '(not used)'}, SQLite ${m.sqlite} (better-sqlite3), autocannon ${m.autocannon}`
  );
}
