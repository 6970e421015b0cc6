import { jest } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  Contract,
  eventually,
  withPgBouncer,
  LogCapture,
  type OwnedPostgres,
  type PgBouncer,
  type Replica,
  startOwnedPostgres,
  startPgBouncer,
  startReplica,
  workspacePath,
} from '@oc-numbers/testing';
import type { Server } from 'node:http';
import { Client } from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { type AppConfig, loadConfig } from '../src/config/app-config';
import { createApp } from '../src/create-app';
import {
  dataSourceOptions,
  PRIMARY_APPLICATION_NAME,
  READ_APPLICATION_NAME,
} from '../src/database/data-source-options';
import { expectedSummary, FIXTURE, seedFixture, TENANT_A } from './fixture';

jest.setTimeout(240_000);

const contract = new Contract();
const logs = new LogCapture();

const SUMMARY = '/api/v3/oc/numbers/removal-status/summary';
const LIST = '/api/v3/oc/numbers';
const TENANTS = '/api/v3/oc/numbers/removal-status/tenants';
const READY = '/api/v3/oc/numbers/action/ready-for-removal';
/** The fixture's MarkedForRemoval numbers. */
const MARKED = FIXTURE.filter((row) => row.removalStatus === 2).map((row) => row.telephoneNumber);
const history = (number: string) => `/api/v3/oc/numbers/${encodeURIComponent(number)}/history`;

/** What each read's statement says in pg_stat_activity (its text, as sent). */
const STATEMENTS = {
  summary: /oc_numbers_removal_totals/,
  listPage: /SELECT total\.\*, page\.\*/,
  csvBatch: /^SELECT telephone_number, ms_tenant_id, removal_status/,
  history: /FROM oc_numbers_status_history/,
  tenants: /oc_numbers_removal_count_deltas/,
  tenantSummary: /ms_tenant_id AS tenant/,
} as const;

async function query<T extends Record<string, unknown>>(url: string, sql: string, values: unknown[] = []) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** Asks until `check` says yes (60 s at most), then says what it waited for if it never did. */
/** The replica's catch-up and the services' look at it take seconds on a busy machine. */
const WITHIN = { withinMs: 60_000 };

type Sessions = Map<number, { start: string; query: string }>;

/**
 * The sessions of one application on a server (owned, so no other process's), with their last
 * statement; none while the server is stopped.
 */
async function sessions(url: string, applicationName: string): Promise<Sessions> {
  const rows = await sessionRows(url, applicationName).catch((error: { code?: string }) => {
    if (error.code === 'ECONNREFUSED') return [];
    throw error;
  });
  return new Map(rows.map((row) => [row.pid, { start: row.start ?? '', query: row.query }]));
}

function sessionRows(url: string, applicationName: string) {
  return query<{ pid: number; start: string | null; query: string }>(
    url,
    `SELECT pid, query_start::text AS start, query FROM pg_stat_activity
      WHERE application_name = $1 AND datname = current_database()`,
    [applicationName],
  );
}

/** The statements the sessions ran between two looks: those of new sessions, or of sessions whose last one changed. */
function ranBetween(before: Sessions, after: Sessions): string[] {
  return [...after].filter(([pid, now]) => before.get(pid)?.start !== now.start).map(([, now]) => now.query);
}

interface RunningApp {
  readonly app: NestFastifyApplication;
  readonly server: Server;
}

async function startService(config: AppConfig): Promise<RunningApp> {
  const app = await createApp(config, { logDestination: logs, specPath: workspacePath('openapi', 'oc-numbers.yaml') });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, server: app.getHttpServer() as Server };
}

describe('reads routed to a streaming replica (DATABASE_READ_URL)', () => {
  let primary: OwnedPostgres;
  let replica: Replica;
  /** SUMMARY_READ_FROM_REPLICA=false: the summary on the primary. */
  let plain: RunningApp;
  /** SUMMARY_READ_FROM_REPLICA=true. */
  let flagged: RunningApp;

  const config = (summaryFromReplica: boolean): AppConfig => ({
    ...loadConfig({
      DATABASE_URL: primary.url,
      DATABASE_READ_URL: replica.url,
      SUMMARY_READ_FROM_REPLICA: String(summaryFromReplica),
      REPLICA_MAX_LAG_MS: '1000',
      REPLICA_LAG_CHECK_MS: '100',
      // No compaction: nothing runs on the primary but what the requests ask.
      COUNTER_COMPACTION_INTERVAL_MS: '0',
      RATE_LIMIT_ENABLED: 'false',
    }),
    port: 0,
    logLevel: 'info',
    logFormat: 'json',
  });

  /**
   * Where a request's statements ran: those of the service's pools on the primary
   * (`oc-numbers`) and on the replica (`oc-numbers-read`), seen in each server's pg_stat_activity.
   */
  async function where<T>(work: () => Promise<T>): Promise<{ result: T; primary: string[]; replica: string[] }> {
    const before = [
      await sessions(primary.url, PRIMARY_APPLICATION_NAME),
      await sessions(replica.url, READ_APPLICATION_NAME),
    ];
    const result = await work();
    const after = [
      await sessions(primary.url, PRIMARY_APPLICATION_NAME),
      await sessions(replica.url, READ_APPLICATION_NAME),
    ];
    return { result, primary: ranBetween(before[0], after[0]), replica: ranBetween(before[1], after[1]) };
  }

  const get = (service: RunningApp, path: string, accept = 'application/json') =>
    request(service.server).get(path).set('Accept', accept);

  async function readiness(service: RunningApp) {
    const response = await get(service, '/health/ready');
    expect(contract.check('get', '/health/ready', response)).toEqual([]);
    return response;
  }

  async function metric(service: RunningApp, line: string): Promise<number> {
    const text = (await get(service, '/metrics', 'text/plain')).text;
    const found = text.split('\n').find((each) => each.startsWith(`${line} `));
    return found === undefined ? Number.NaN : Number(found.slice(line.length + 1));
  }

  const stateIs = (service: RunningApp, state: string) => async () =>
    (await readiness(service)).body.replica?.state === state;

  /** The numbers the inventory holds on a server, with their statuses. */
  const inventory = async (url: string) =>
    (
      await query<{ telephone_number: string; removal_status: number | null }>(
        url,
        'SELECT telephone_number, removal_status FROM oc_numbers ORDER BY telephone_number',
      )
    ).map((row) => [row.telephone_number, row.removal_status]);

  beforeAll(async () => {
    primary = await startOwnedPostgres();
    const dataSource = new DataSource(
      dataSourceOptions({ ...loadConfig({}), database: { type: 'postgres', url: primary.url }, migrationsRun: true }),
    );
    await dataSource.initialize();
    await seedFixture(dataSource);
    await dataSource.destroy();
    replica = await startReplica(primary);
    await replica.waitForReplay();
    plain = await startService(config(false));
    flagged = await startService(config(true));
    await eventually(
      'both services to use the replica',
      async () => (await Promise.all([plain, flagged].map((service) => stateIs(service, 'ok')()))).every(Boolean),
      WITHIN,
    );
  });

  afterAll(async () => {
    await plain?.app.close();
    await flagged?.app.close();
    await replica?.dispose();
    await primary?.dispose();
  });

  it('reads lists, cursor walks, CSV exports, histories and the per-tenant view on the replica, none on the primary', async () => {
    const list = await where(() => get(plain, `${LIST}?pageSize=5`));
    expect(list.result.status).toBe(200);
    expect(list.result.body.totalRecords).toBe(FIXTURE.length);
    expect(list.replica.some((sql) => STATEMENTS.listPage.test(sql))).toBe(true);
    expect(list.primary).toEqual([]);

    const next = await where(() => get(plain, `${LIST}?pageSize=5&cursor=${list.result.body.nextCursor}`));
    expect(next.result.status).toBe(200);
    expect(next.result.body.data.map((item: { telephoneNumber: string }) => item.telephoneNumber)).toEqual(
      FIXTURE.slice(5, 10).map((row) => row.telephoneNumber),
    );
    expect(next.replica.some((sql) => STATEMENTS.listPage.test(sql))).toBe(true);
    expect(next.primary).toEqual([]);

    const csv = await where(() => get(plain, LIST, 'text/csv'));
    expect(csv.result.status).toBe(200);
    expect(csv.result.text.trim().split('\r\n')).toHaveLength(FIXTURE.length + 1);
    expect(csv.replica.some((sql) => STATEMENTS.csvBatch.test(sql))).toBe(true);
    expect(csv.primary).toEqual([]);

    const first = FIXTURE[0].telephoneNumber;
    const entries = await where(() => get(plain, history(first)));
    expect(entries.result.status).toBe(200);
    expect(entries.result.body.totalRecords).toBe(1);
    expect(entries.replica.some((sql) => STATEMENTS.history.test(sql))).toBe(true);
    expect(entries.primary).toEqual([]);

    const tenants = await where(() => get(plain, TENANTS));
    expect(tenants.result.status).toBe(200);
    expect(tenants.result.body.data.find((row: { msTenantId: string }) => row.msTenantId === TENANT_A)).toMatchObject({
      markedForRemovalCount: expectedSummary(TENANT_A).markedForRemovalCount,
    });
    expect(tenants.replica.some((sql) => STATEMENTS.tenants.test(sql))).toBe(true);
    expect(tenants.primary).toEqual([]);
  });

  it('reads the summary on the primary, and on the replica with SUMMARY_READ_FROM_REPLICA=true', async () => {
    const onPrimary = await where(() => get(plain, SUMMARY));
    expect(onPrimary.result.body).toEqual(expectedSummary());
    expect(onPrimary.primary.some((sql) => STATEMENTS.summary.test(sql))).toBe(true);
    expect(onPrimary.replica).toEqual([]);

    const onReplica = await where(() => get(flagged, SUMMARY));
    expect(onReplica.result.body).toEqual(expectedSummary());
    expect(onReplica.replica.some((sql) => STATEMENTS.summary.test(sql))).toBe(true);
    expect(onReplica.primary).toEqual([]);

    const tenantOnReplica = await where(() => get(flagged, `${SUMMARY}?msTenantId=${TENANT_A}`));
    expect(tenantOnReplica.result.body).toEqual(expectedSummary(TENANT_A));
    expect(tenantOnReplica.replica.some((sql) => STATEMENTS.tenantSummary.test(sql))).toBe(true);
    expect(tenantOnReplica.primary).toEqual([]);

    const ready = await readiness(flagged);
    expect(ready.status).toBe(200);
    expect(ready.body.replica).toEqual({ state: 'ok', lagMs: expect.any(Number) });
  });

  it('writes on the primary, and the replica shows the write once replayed', async () => {
    const [marked] = MARKED;
    const write = await where(() =>
      request(plain.server)
        .post(READY)
        .send({ telephoneNumbers: [marked] }),
    );
    expect(write.result.status).toBe(200);
    expect(write.result.body.data.processedCount).toBe(1);
    // The last statement of the write's transaction is its COMMIT.
    expect(write.primary.length).toBeGreaterThan(0);
    expect(write.replica).toEqual([]);
    await replica.waitForReplay();
    const entries = await get(plain, history(marked));
    expect(entries.body.data[0]).toMatchObject({ operation: 'ready-for-removal', oldStatus: 2, newStatus: 3 });
  });

  it('reads the summary on the primary while replay lags past REPLICA_MAX_LAG_MS, and the replica again once it catches up', async () => {
    const lagFallbacks = await metric(flagged, 'oc_numbers_replica_fallbacks_total{reason="lag"}');
    const before = (await get(flagged, SUMMARY)).body;
    await replica.pauseReplay();
    try {
      const marked = MARKED[MARKED.length - 1];
      await query(primary.url, 'UPDATE oc_numbers SET removal_status = 3 WHERE telephone_number = $1', [marked]);
      await replica.waitForReceive();
      const after = {
        ...before,
        markedForRemovalCount: before.markedForRemovalCount - 1,
        readyForRemovalCount: before.readyForRemovalCount + 1,
      };
      // The replica holds the write back; the summary does not.
      await eventually(
        'the summary to show the write',
        async () => {
          const summary = await where(() => get(flagged, SUMMARY));
          if (summary.result.status !== 200) throw new Error(`summary answered ${summary.result.status}`);
          if (JSON.stringify(summary.result.body) !== JSON.stringify(after)) return false;
          expect(summary.primary.some((sql) => STATEMENTS.summary.test(sql))).toBe(true);
          expect(summary.replica).toEqual([]);
          return true;
        },
        WITHIN,
      );
      expect(await inventory(replica.url)).not.toEqual(await inventory(primary.url));
      expect(await metric(flagged, 'oc_numbers_replica_fallbacks_total{reason="lag"}')).toBeGreaterThan(lagFallbacks);
      await eventually('readiness to say the replica lags', stateIs(flagged, 'lagging'), WITHIN);
      const ready = await readiness(flagged);
      expect(ready.status).toBe(200);
      expect(ready.body.replica.lagMs).toBeGreaterThan(1000);
      // Lists still read the replica, lag or not.
      const list = await where(() => get(flagged, `${LIST}?pageSize=5`));
      expect(list.replica.some((sql) => STATEMENTS.listPage.test(sql))).toBe(true);
      expect(list.primary).toEqual([]);
    } finally {
      await replica.resumeReplay();
    }
    await replica.waitForReplay();
    await eventually('the replica to be used again', stateIs(flagged, 'ok'), WITHIN);
    const again = await where(() => get(flagged, SUMMARY));
    expect(again.replica.some((sql) => STATEMENTS.summary.test(sql))).toBe(true);
    expect(again.primary).toEqual([]);
  });

  it('uses no server that is not a standby (a promoted replica, or the primary named by mistake): its reads go to the primary', async () => {
    const warningsBefore = logs.lines.filter((line) => /not a standby/.test(String(line.msg))).length;
    const base = config(true);
    const misnamed = await startService({
      ...base,
      readReplica: base.readReplica && { ...base.readReplica, database: { type: 'postgres', url: primary.url } },
    });
    try {
      const ready = await readiness(misnamed);
      expect(ready.status).toBe(200);
      expect(ready.body.replica).toEqual({ state: 'unavailable' });
      const list = await get(misnamed, `${LIST}?pageSize=7`);
      expect({ status: list.status, body: list.body }).toEqual({
        status: 200,
        body: (await get(plain, `${LIST}?pageSize=7`)).body,
      });
      expect(await metric(misnamed, 'oc_numbers_replica_fallbacks_total{reason="unavailable"}')).toBeGreaterThan(0);
      expect(logs.lines.filter((line) => /not a standby/.test(String(line.msg)))).toHaveLength(warningsBefore + 1);
    } finally {
      await misnamed.app.close();
    }
  });

  withPgBouncer(it, 'The read replica through PgBouncer')(
    'reads the replica through PgBouncer in transaction mode (DATABASE_POOLER=transaction), as the primary',
    async () => {
      const bouncers: PgBouncer[] = [];
      let pooled: RunningApp | undefined;
      try {
        for (const upstreamUrl of [primary.url, replica.url]) {
          bouncers.push(await startPgBouncer({ upstreamUrl, poolMode: 'transaction', poolSize: 2 }));
        }
        const direct = config(true);
        if (direct.readReplica === undefined) throw new Error('The service has no replica');
        pooled = await startService({
          ...direct,
          database: { type: 'postgres', url: bouncers[0].url },
          migrationsDatabase: { type: 'postgres', url: primary.url },
          databasePooler: 'transaction',
          readReplica: { ...direct.readReplica, database: { type: 'postgres', url: bouncers[1].url } },
        });
        const service = pooled;
        await eventually('the pooled service to use the replica', stateIs(service, 'ok'), WITHIN);
        const expected = (await get(plain, `${LIST}?pageSize=7`)).body;
        // Again and again: each run may reach another server session, which never saw a name.
        for (let round = 0; round < 3; round++) {
          const list = await get(service, `${LIST}?pageSize=7`);
          expect({ status: list.status, body: list.body }).toEqual({ status: 200, body: expected });
          expect((await get(service, SUMMARY)).body).toEqual((await get(plain, SUMMARY)).body);
          expect((await get(service, history(FIXTURE[0].telephoneNumber))).status).toBe(200);
          expect((await get(service, TENANTS)).status).toBe(200);
        }
        // Through PgBouncer the server sessions are shared, so pg_stat_activity cannot tell whose
        // statement ran where: the data does. With replay paused, a write on the primary is
        // missing from the list (the replica's) and in the summary (the primary's, past the lag).
        const statusOf = async (number: string) =>
          (await get(service, `${LIST}?pageSize=100`)).body.data.find(
            (item: { telephoneNumber: string }) => item.telephoneNumber === number,
          )?.acquiredNumberStatus;
        const released = FIXTURE.filter((row) => row.removalStatus === 1)[0].telephoneNumber;
        const before = (await get(plain, SUMMARY)).body;
        await replica.pauseReplay();
        try {
          await query(primary.url, 'UPDATE oc_numbers SET removal_status = 2 WHERE telephone_number = $1', [released]);
          await replica.waitForReceive();
          const after = {
            ...before,
            markedForRemovalCount: before.markedForRemovalCount + 1,
            totalCount: before.totalCount + 1,
          };
          await eventually(
            'the summary through PgBouncer to show the write',
            async () => JSON.stringify((await get(service, SUMMARY)).body) === JSON.stringify(after),
            WITHIN,
          );
          expect(await statusOf(released)).toBe(1);
        } finally {
          await replica.resumeReplay();
        }
        await replica.waitForReplay();
        expect(await statusOf(released)).toBe(2);
      } finally {
        await pooled?.app.close();
        for (const bouncer of bouncers) await bouncer.stop();
      }
    },
  );

  it('answers every read from the primary while the replica is stopped, stays ready, counts it, and goes back to the replica', async () => {
    const unavailable = 'oc_numbers_replica_fallbacks_total{reason="unavailable"}';
    const fallbacksBefore = await metric(plain, unavailable);
    const warningsBefore = logs.lines.filter((line) => /read replica is unavailable/.test(String(line.msg))).length;
    const expected = {
      summary: (await get(plain, SUMMARY)).body,
      list: (await get(plain, `${LIST}?pageSize=100`)).body,
      csv: (await get(plain, LIST, 'text/csv')).text,
      history: (await get(plain, history(FIXTURE[0].telephoneNumber))).body,
      tenants: (await get(plain, TENANTS)).body,
    };
    await replica.stop();

    for (const service of [plain, flagged]) {
      // The first reads may meet the pool's connections to the stopped replica: retried on the primary.
      for (let round = 0; round < 2; round++) {
        const list = await where(() => get(service, `${LIST}?pageSize=100`));
        expect(list.result.status).toBe(200);
        expect(list.result.body).toEqual(expected.list);
        expect(list.primary.some((sql) => STATEMENTS.listPage.test(sql))).toBe(true);
        const csv = await get(service, LIST, 'text/csv');
        expect({ status: csv.status, text: csv.text }).toEqual({ status: 200, text: expected.csv });
        const entries = await get(service, history(FIXTURE[0].telephoneNumber));
        expect({ status: entries.status, body: entries.body }).toEqual({ status: 200, body: expected.history });
        const tenants = await get(service, TENANTS);
        expect({ status: tenants.status, body: tenants.body }).toEqual({ status: 200, body: expected.tenants });
        const summary = await get(service, SUMMARY);
        expect({ status: summary.status, body: summary.body }).toEqual({ status: 200, body: expected.summary });
      }
      await eventually('readiness to say the replica is unavailable', stateIs(service, 'unavailable'), WITHIN);
      const ready = await readiness(service);
      expect(ready.status).toBe(200);
      expect(ready.body.replica).toEqual({ state: 'unavailable' });
      expect(await metric(service, 'oc_numbers_replica_state{state="unavailable"}')).toBe(1);
    }
    expect(await metric(plain, unavailable)).toBeGreaterThan(fallbacksBefore);
    // Once per service for the outage, however many reads and measurements met it.
    const warnings = logs.lines.filter((line) => /read replica is unavailable/.test(String(line.msg)));
    expect(warnings).toHaveLength(warningsBefore + 2);
    expect(warnings.every((line) => line.level === 40)).toBe(true);

    await replica.start();
    await replica.waitForReplay();
    for (const service of [plain, flagged]) {
      await eventually('the replica to be used again', stateIs(service, 'ok'), WITHIN);
      const list = await where(() => get(service, `${LIST}?pageSize=100`));
      expect(list.result.body).toEqual(expected.list);
      expect(list.replica.some((sql) => STATEMENTS.listPage.test(sql))).toBe(true);
      expect(list.primary).toEqual([]);
    }
    expect(logs.lines.filter((line) => /read replica is used again/.test(String(line.msg))).length).toBeGreaterThan(0);
  });
});
