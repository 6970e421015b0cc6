import { Contract, expectProblem, TEST_DATABASE_KINDS } from '@oc-numbers/testing';
import request from 'supertest';
import { repairRemovalCounts } from '../src/numbers/removal-counters';
import { useApp } from './app-harness';
import { TENANT_A, TENANT_B } from './fixture';

const PATH = '/api/v3/oc/numbers/removal-status/summary';
const contract = new Contract();

/**
 * Counters that cannot be counts (negative: something changed `oc_numbers` without the counting
 * triggers) are never served: the summary answers a 503 COUNTS_INCONSISTENT problem that names
 * neither the counts nor the tenant, logs once per episode, counts each refusal in a metric, and
 * answers right again once the counts are repaired.
 */
describe.each(TEST_DATABASE_KINDS)('impossible removal counts on %s', (kind) => {
  const running = useApp(kind);
  const pg = kind === 'postgres';
  const p = (i: number) => (pg ? `$${i}` : '?');

  async function get(query = '') {
    const response = await request(running().server).get(`${PATH}${query}`);
    expect(contract.check('get', PATH, response)).toEqual([]);
    return response;
  }

  const insert = (number: string, tenant: string, status: number) =>
    running().dataSource.query(
      `INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) VALUES (${p(1)}, ${p(2)}, ${p(3)})`,
      [number, tenant, status],
    );

  /** The log lines of this app (every app of the file logs to one capture). */
  let firstLine = 0;
  const lines = () => running().logs.lines.slice(firstLine);

  beforeAll(async () => {
    firstLine = running().logs.lines.length;
    await insert('+14255550001', TENANT_A, 2);
    await insert('+14255550002', TENANT_B, 3);
    // A number of tenant A enters status 3 behind the triggers' back, then leaves it normally:
    // its counter goes to -1; the totals' to 0, wrong but possible (only `npm run counts --
    // --verify` finds that).
    if (pg) {
      const runner = running().dataSource.createQueryRunner();
      try {
        await runner.startTransaction();
        await runner.query('SET LOCAL session_replication_role = replica');
        await runner.query(
          `INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) VALUES ('+14255550003', $1, 3)`,
          [TENANT_A],
        );
        await runner.commitTransaction();
      } finally {
        await runner.release();
      }
      await running().dataSource.query(`DELETE FROM oc_numbers WHERE telephone_number = '+14255550003'`);
    } else {
      // SQLite cannot switch its triggers off: a program that writes the counters by hand.
      await running().dataSource.query(
        `UPDATE oc_numbers_removal_counts SET ready_for_removal = ready_for_removal - 1 WHERE ms_tenant_id = ?`,
        [TENANT_A],
      );
      await running().dataSource.query(
        'UPDATE oc_numbers_removal_totals SET ready_for_removal = ready_for_removal - 1 WHERE id = 1',
      );
    }
  });

  it('answers a 503 COUNTS_INCONSISTENT problem, never a negative count, naming neither counts nor tenant', async () => {
    for (const query of [`?msTenantId=${TENANT_A}`, `?msTenantId=${TENANT_A.toUpperCase()}`]) {
      const response = await get(query);
      expectProblem(response, 503, 'COUNTS_INCONSISTENT', {
        type: 'urn:oc-numbers:problem:counts-inconsistent',
        title: 'Counts Inconsistent',
        detail:
          'The counts of numbers in removal are inconsistent and are not served until they are repaired. Retry after 60 seconds.',
        instance: PATH,
      });
      expect(response.headers['retry-after']).toBe('60');
      // The ticket and trace id are random hex, which may hold "-1" by chance: the rest may not.
      const { errorTicket, traceId, ...told } = response.body as Record<string, unknown>;
      expect([errorTicket, traceId]).toEqual([expect.any(String), expect.any(String)]);
      expect(JSON.stringify(told)).not.toMatch(/-1|6f9619ff|oc_numbers|marked|ready/i);
    }
    // Another tenant's counts are right, and served; the totals are wrong but possible.
    const other = await get(`?msTenantId=${TENANT_B}`);
    expect(other.status).toBe(200);
    expect(other.body).toEqual({ markedForRemovalCount: 0, readyForRemovalCount: 1, totalCount: 1 });
    expect((await get()).body).toEqual({ markedForRemovalCount: 1, readyForRemovalCount: 0, totalCount: 1 });
  });

  it('logs each impossible count once per episode, and counts every refusal in a metric', async () => {
    for (let i = 0; i < 3; i++) expect((await get(`?msTenantId=${TENANT_A}`)).status).toBe(503);
    const errors = lines().filter((line) => line.level === 50);
    expect(errors.map((line) => line.msg)).toEqual([
      `The removal counts of tenant ${TENANT_A} are impossible (marked 1, ready -1): something changed ` +
        'oc_numbers without its counting triggers; run `npm run counts -- --verify`, then `--repair`. ' +
        'The summary answers 503 COUNTS_INCONSISTENT until then',
    ]);
    // Each request's line is at debug level, below the service's level here.
    const metrics = (await request(running().server).get('/metrics')).text;
    expect(metrics).toMatch(/^oc_numbers_counts_inconsistent_total 5$/m);
  });

  it('answers the right counts again once they are repaired, and says so once', async () => {
    const { differences } = await repairRemovalCounts(running().dataSource);
    expect(differences.map((d) => d.msTenantId)).toEqual([TENANT_A, undefined]);
    expect((await get(`?msTenantId=${TENANT_A}`)).body).toEqual({
      markedForRemovalCount: 1,
      readyForRemovalCount: 0,
      totalCount: 1,
    });
    expect((await get()).body).toEqual({ markedForRemovalCount: 1, readyForRemovalCount: 1, totalCount: 2 });
    expect(
      lines()
        .filter((line) => /are possible again/.test(String(line.msg)))
        .map((line) => line.level),
    ).toEqual([30]);
  });

  it('leaves readiness ready: impossible counts are a matter of the data, not of this instance', async () => {
    await running().dataSource.query('UPDATE oc_numbers_removal_totals SET marked_for_removal = -5 WHERE id = 1');
    try {
      expectProblem(await get(), 503, 'COUNTS_INCONSISTENT');
      const ready = await request(running().server).get('/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.status).toBe('ok');
    } finally {
      await repairRemovalCounts(running().dataSource);
    }
    expect((await get()).status).toBe(200);
  });
});
