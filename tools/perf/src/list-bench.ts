import { Sqlite as Database, withPostgres, workspacePath } from '@oc-numbers/testing';
import { createRequire } from 'node:module';
import type { DatabaseTarget } from './database';

/** The list and the per-tenant view, as the benchmark drives them. */
export const LIST_PATH = '/api/v3/oc/numbers';
export const TENANTS_PATH = '/api/v3/oc/numbers/removal-status/tenants';
const IN_REMOVAL = 'acquiredNumberStatus=2&acquiredNumberStatus=3';

interface CursorModule {
  encodeCursor(cursor: { after: string; page: number }, filters: { statuses?: readonly number[] }): string;
}

/**
 * The service's own cursor encoder, from its build (the benchmark runs that build): a cursor
 * deep into the table is what a client holds after walking there, and only the service can make
 * one.
 */
function cursorModule(): CursorModule {
  const require = createRequire(__filename);
  return require(workspacePath('dist', 'apps', 'api', 'src', 'number-list', 'list-cursor.js')) as CursorModule;
}

/** Numbers spread over the whole table (every n-th row by id), in number order. */
async function sampleNumbers(target: DatabaseTarget, numbers: number, count: number): Promise<string[]> {
  const step = Math.max(1, Math.floor(numbers / count));
  const sql = `SELECT telephone_number FROM oc_numbers WHERE id % ${step} = 7 LIMIT ${count}`;
  let found: string[];
  if (target.kind === 'postgres') {
    found = await withPostgres(target.url, async (client) =>
      (await client.query<{ telephone_number: string }>(sql)).rows.map((r) => r.telephone_number),
    );
  } else {
    const db = new Database(target.path, { readonly: true });
    try {
      found = (db.prepare(sql).all() as Array<{ telephone_number: string }>).map((r) => r.telephone_number);
    } finally {
      db.close();
    }
  }
  return found.sort();
}

export interface ListPaths {
  readonly listFirst: readonly string[];
  readonly listDeep: readonly string[];
  readonly listInRemoval: readonly string[];
  readonly listInRemovalDeep: readonly string[];
  readonly listTenant: readonly string[];
  readonly listPrefix: readonly string[];
  readonly tenants: readonly string[];
}

/**
 * The requests of the list's scenarios: first pages, pages by a cursor at numbers spread over
 * the table (deep: on average half of it before), with and without a status filter, a random
 * tenant's first page, a prefix of about a thousand numbers (totalRecords counted over its range)
 * and the per-tenant view's first page.
 */
export async function listPaths(target: DatabaseTarget, numbers: number, pickTenant: () => string): Promise<ListPaths> {
  const { encodeCursor } = cursorModule();
  const sample = await sampleNumbers(target, numbers, 500);
  const deep = (statuses?: number[]) =>
    sample.map((after) => encodeURIComponent(encodeCursor({ after, page: 1000 }, statuses ? { statuses } : {})));
  // Numbers are seeded in blocks: a number less its last three digits is a prefix of up to 1,000.
  const prefixes = [...new Set(sample.map((n) => n.slice(0, -3)))];
  return {
    listFirst: [LIST_PATH],
    listDeep: deep().map((c) => `${LIST_PATH}?cursor=${c}`),
    listInRemoval: [`${LIST_PATH}?${IN_REMOVAL}`],
    listInRemovalDeep: deep([2, 3]).map((c) => `${LIST_PATH}?${IN_REMOVAL}&cursor=${c}`),
    listTenant: Array.from({ length: 500 }, () => `${LIST_PATH}?msTenantId=${pickTenant()}`),
    listPrefix: prefixes.map((p) => `${LIST_PATH}?telephoneNumberPrefix=${encodeURIComponent(p)}`),
    tenants: [TENANTS_PATH],
  };
}

export interface CsvExportResult {
  readonly rows: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly rowsPerSecond: number;
  /** Whether the whole export arrived; otherwise it was cut after `seconds` (the client left). */
  readonly complete: boolean;
}

/**
 * One client downloads the whole CSV export, or for at most `seconds`, then goes away (which
 * also shows that the service stops reading when a client leaves).
 */
export async function measureCsvExport(baseUrl: string, seconds: number): Promise<CsvExportResult> {
  const controller = new AbortController();
  const started = performance.now();
  const timer = setTimeout(() => controller.abort(), seconds * 1000);
  let bytes = 0;
  let lines = 0;
  let complete = false;
  try {
    const response = await fetch(`${baseUrl}${LIST_PATH}`, {
      headers: { accept: 'text/csv' },
      signal: controller.signal,
    });
    if (!response.ok || !response.body) throw new Error(`The CSV export answered ${response.status}`);
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      for (const byte of value) if (byte === 10) lines++;
    }
    complete = true;
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
  }
  const elapsed = (performance.now() - started) / 1000;
  const rows = Math.max(0, lines - 1);
  return { rows, bytes, seconds: elapsed, rowsPerSecond: rows / elapsed, complete };
}
