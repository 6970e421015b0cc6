import { Pool } from 'pg';
import SqliteOnNodeApi10 from 'better-sqlite3';
import SqliteOnNode20 from 'better-sqlite3-node20';

/** The better-sqlite3 this Node.js loads safely, as the service picks it. */
const Sqlite: typeof SqliteOnNodeApi10 = Number(process.versions.napi) >= 10 ? SqliteOnNodeApi10 : SqliteOnNode20;

/** The answer of the summary, from one row of counters. */
export interface Summary {
  readonly markedForRemovalCount: number;
  readonly readyForRemovalCount: number;
  readonly totalCount: number;
}

/** Reads one tenant's summary (a lower-case GUID), or the totals without one: one query each. */
export type CountersReader = (tenant: string | undefined) => Promise<Summary>;

type Row = { marked: string | number; ready: string | number };

/**
 * The ceilings' one small query per request: one tenant's removal counters the way the service
 * reads them (by primary key, plus PostgreSQL's delta rows in the same statement), or without a
 * tenant the totals row. `url` is `postgres://…` (pg, a pool of 10 like the service's) or
 * `sqlite:<path>` (better-sqlite3).
 */
export function countersReader(url: string): CountersReader {
  const postgres = /^postgres(ql)?:\/\//.test(url);
  const sql = (tenant: string | undefined): string => {
    const where = tenant === undefined ? '' : ` WHERE ms_tenant_id = ${tenant}`;
    const base =
      tenant === undefined
        ? 'SELECT marked_for_removal, ready_for_removal FROM oc_numbers_removal_totals'
        : `SELECT marked_for_removal, ready_for_removal FROM oc_numbers_removal_counts${where}`;
    const deltas = postgres
      ? ` UNION ALL SELECT marked_for_removal, ready_for_removal FROM oc_numbers_removal_count_deltas${where}`
      : '';
    return `SELECT COALESCE(SUM(marked_for_removal), 0) AS marked, COALESCE(SUM(ready_for_removal), 0) AS ready FROM (${base}${deltas}) AS counters`;
  };
  const summary = (row: Row): Summary => {
    const marked = Number(row.marked);
    const ready = Number(row.ready);
    return { markedForRemovalCount: marked, readyForRemovalCount: ready, totalCount: marked + ready };
  };
  if (postgres) {
    const pool = new Pool({ connectionString: url, max: 10 });
    const all = { name: 'all', text: sql(undefined) };
    const one = { name: 'one', text: sql('$1') };
    return async (tenant) =>
      summary(
        (await (tenant === undefined ? pool.query<Row>(all) : pool.query<Row>({ ...one, values: [tenant] }))).rows[0],
      );
  }
  const db = new Sqlite(url.replace(/^sqlite:/, ''), { readonly: true });
  const all = db.prepare(sql(undefined));
  const one = db.prepare(sql('?'));
  return (tenant) => Promise.resolve(summary((tenant === undefined ? all.get() : one.get(tenant)) as Row));
}
