import { type OwnedPostgres, type Replica, startOwnedPostgres, startReplica, withPostgres } from '@oc-numbers/testing';
import { describeRouting, machinePostgresBin, readsOn } from './bench';

/**
 * The evidence the report gives for a row from the replica: the transactions and rows read on
 * each server's database, taken from pg_stat_database, on a real primary and hot standby.
 */
describe("where a replica row's reads were served", () => {
  const bin = machinePostgresBin();
  let primary: OwnedPostgres | undefined;
  let replica: Replica | undefined;

  beforeAll(async () => {
    if (!bin) return;
    primary = await startOwnedPostgres({ binDirectory: bin });
    replica = await startReplica(primary);
    await withPostgres(primary.url, async (client) => {
      await client.query('CREATE TABLE t AS SELECT g AS n FROM generate_series(1, 1000) g');
    });
    await replica.waitForReplay();
  }, 120_000);

  afterAll(async () => {
    await replica?.dispose();
    await primary?.dispose();
  }, 60_000);

  /** Runs `count` reads of the whole table on a server, each its own transaction, then leaves. */
  const reads = (url: string, count: number) =>
    withPostgres(url, async (client) => {
      for (let i = 0; i < count; i++) await client.query('SELECT count(*) FROM t');
    });

  /** A backend's statistics arrive some time after it leaves: ask until `done` holds. */
  async function deltaUntil(done: (r: Awaited<ReturnType<typeof readsOn>>) => boolean) {
    if (!primary || !replica) throw new Error('no servers');
    const before = await readsOn(primary.url, replica.url);
    return {
      before,
      after: async () => {
        const deadline = Date.now() + 15_000;
        for (;;) {
          const now = await readsOn(primary?.url ?? '', replica?.url ?? '');
          const delta = {
            primary: {
              transactions: now.primary.transactions - before.primary.transactions,
              rowsRead: now.primary.rowsRead - before.primary.rowsRead,
            },
            replica: {
              transactions: now.replica.transactions - before.replica.transactions,
              rowsRead: now.replica.rowsRead - before.replica.rowsRead,
            },
          };
          if (done(delta) || Date.now() > deadline) return delta;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      },
    };
  }

  it('counts reads made on the standby there, and not on the primary', async () => {
    if (!primary || !replica) {
      console.log(
        'Skipped: no PostgreSQL programs in /usr/lib/postgresql/<major>/bin to start a primary and a replica',
      );
      return;
    }
    const watch = await deltaUntil((d) => d.replica.transactions >= 50);
    await reads(replica.url, 50);
    const delta = await watch.after();
    expect(delta.replica.transactions).toBeGreaterThanOrEqual(50);
    expect(delta.replica.rowsRead).toBeGreaterThanOrEqual(50 * 1000);
    expect(delta.primary.rowsRead).toBeLessThan(1000);
    expect(describeRouting({ ...delta, requests: 50 })).toMatch(/^the replica: \d+% of transactions on the replica/);
  }, 60_000);

  it('counts reads made on the primary there, and the report names the primary', async () => {
    if (!primary || !replica) {
      console.log(
        'Skipped: no PostgreSQL programs in /usr/lib/postgresql/<major>/bin to start a primary and a replica',
      );
      return;
    }
    const watch = await deltaUntil((d) => d.primary.transactions >= 50);
    await reads(primary.url, 50);
    const delta = await watch.after();
    expect(delta.primary.transactions).toBeGreaterThanOrEqual(50);
    expect(delta.primary.rowsRead).toBeGreaterThanOrEqual(50 * 1000);
    expect(delta.replica.transactions).toBe(0);
    expect(describeRouting({ ...delta, requests: 50 })).toMatch(/^\*\*the primary\*\*: 0% of transactions/);
  }, 60_000);
});
