import { eventually } from '@oc-numbers/testing';
import type { DataSource } from 'typeorm';
import { startApp, useApp } from './app-harness';
import { TENANT_A } from './fixture';

/**
 * PostgreSQL: the service folds the counters' delta rows into their base rows by itself every
 * COUNTER_COMPACTION_INTERVAL_MS (0: never), quietly, logging a failure once per episode.
 */
async function deltaRows(dataSource: DataSource): Promise<number> {
  const [{ n }] = await dataSource.query('SELECT COUNT(*) AS n FROM oc_numbers_removal_count_deltas');
  return Number(n);
}

async function writeSome(dataSource: DataSource, from: number): Promise<void> {
  for (let i = from; i < from + 5; i++) {
    await dataSource.query(
      `INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) VALUES ($1, $2, $3)`,
      [`+1425555${String(i).padStart(4, '0')}`, TENANT_A, 2 + (i % 2)],
    );
  }
}

/** Polls `condition` until it holds; a bound on a hang, generous for a loaded machine. */
const WITHIN = { withinMs: 15_000 };

describe('the compaction of the removal counters by the service on postgres', () => {
  const running = useApp('postgres', { counterCompactionIntervalMs: 100 });
  let firstLine = 0;
  const lines = () => running().logs.lines.slice(firstLine);

  beforeAll(() => {
    firstLine = running().logs.lines.length;
  });

  it('folds the deltas into the base rows by itself, without a log line per run', async () => {
    await writeSome(running().dataSource, 0);
    await eventually('compacted', async () => (await deltaRows(running().dataSource)) === 0, WITHIN);
    const [base] = await running().dataSource.query(
      'SELECT marked_for_removal AS marked, ready_for_removal AS ready FROM oc_numbers_removal_counts WHERE ms_tenant_id = $1',
      [TENANT_A],
    );
    expect({ marked: Number(base.marked), ready: Number(base.ready) }).toEqual({ marked: 3, ready: 2 });
    expect(lines().filter((line) => /compact/i.test(String(line.msg)))).toEqual([]);
  });

  it('logs a failure once, however many runs fail, and once when it works again', async () => {
    const { dataSource } = running();
    // The base table the runs write disappears for a while.
    await dataSource.query('ALTER TABLE oc_numbers_removal_counts RENAME TO oc_numbers_removal_counts_away');
    await writeSome(dataSource, 100);
    const failedRuns = () => lines().filter((line) => /Compacting the removal counters failed/.test(String(line.msg)));
    await eventually('failing', async () => failedRuns().length > 0, WITHIN);
    // Many more runs fail meanwhile (one each 100 ms), unlogged.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await dataSource.query('ALTER TABLE oc_numbers_removal_counts_away RENAME TO oc_numbers_removal_counts');
    await eventually('compacted again', async () => (await deltaRows(dataSource)) === 0, WITHIN);
    expect(failedRuns()).toHaveLength(1);
    expect(failedRuns()[0].level).toBe(40);
    const again = lines().filter((line) => /works again/.test(String(line.msg)));
    expect(again).toHaveLength(1);
    expect(String(again[0].msg)).toMatch(/after (\d+) failed run\(s\)/);
  });
});

describe('the compaction of the removal counters set to 0 on postgres', () => {
  it('never runs: the deltas stay, and the counts are read from them', async () => {
    const app = await startApp('postgres', { counterCompactionIntervalMs: 0 });
    try {
      await writeSome(app.dataSource, 0);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await deltaRows(app.dataSource)).toBe(5);
      const [counts] = await app.dataSource.query(
        `SELECT COUNT(*) FILTER (WHERE removal_status = 2) AS marked FROM oc_numbers`,
      );
      expect(Number(counts.marked)).toBe(3);
    } finally {
      await app.close();
    }
  });
});
