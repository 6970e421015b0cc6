import { ProblemException } from '../problem/problem';
import { type InvalidParameterCode, problem } from '../problem/problem-catalogue';
import type { RemovalStatus } from '../numbers/removal-status';

/** The most numbers (or tenants) one page holds: the cap the contract states. */
export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;
/**
 * How many matching records a numbered page may skip: skipping rows costs in proportion to how
 * many are skipped, so past this a walk follows `nextCursor`, which costs the same at any depth.
 */
export const MAX_OFFSET = 100_000;
/** The highest page of the tenants view. */
export const MAX_TENANT_PAGE = 100_000;

/** `+` and 1 to 15 digits, the first not 0: the start of an E.164 number. */
const PREFIX_PATTERN = /^\+[1-9][0-9]{0,14}$/;
const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INTEGER_PATTERN = /^[0-9]{1,9}$/;

/** The filters of the list, normalised: what a cursor is bound to. */
export interface ListFilters {
  /** Sorted, without repeats; undefined for every status. */
  readonly statuses?: readonly RemovalStatus[];
  /** Lower-case. */
  readonly msTenantId?: string;
  readonly prefix?: string;
  /**
   * Without msTenantId, for a caller limited to some tenants: those tenants (lower-case, sorted);
   * the list holds only their numbers. Undefined for a caller that reaches every tenant.
   */
  readonly tenants?: readonly string[];
}

export interface ListQuery extends ListFilters {
  readonly page?: number;
  readonly pageSize: number;
  readonly cursor?: string;
}

type RawQuery = Readonly<Record<string, unknown>>;

function invalid(code: InvalidParameterCode, rule: string): ProblemException {
  return new ProblemException(problem(code, { rule }));
}

/** Quotes a caller's value for a problem's detail, cut short so that a detail stays small. */
function shown(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

/** A parameter that may be given once: its value, undefined when absent, or a problem. */
function single(query: RawQuery, name: string, code: InvalidParameterCode): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(code, 'must be given at most once.');
  return value;
}

function integer(
  query: RawQuery,
  name: string,
  code: InvalidParameterCode,
  min: number,
  max: number,
): number | undefined {
  const value = single(query, name, code);
  if (value === undefined) return undefined;
  const n = INTEGER_PATTERN.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max)) throw invalid(code, `must be an integer from ${min} to ${max} (got ${shown(value)}).`);
  return n;
}

function statuses(query: RawQuery): RemovalStatus[] | undefined {
  const raw = query.acquiredNumberStatus;
  if (raw === undefined) return undefined;
  const values = Array.isArray(raw) ? raw : [raw];
  const found = new Set<RemovalStatus>();
  for (const value of values) {
    if (typeof value !== 'string' || !/^[0-3]$/.test(value)) {
      throw invalid(
        'INVALID_ACQUIRED_NUMBER_STATUS',
        `must be an integer from 0 to 3 (got ${shown(typeof value === 'string' ? value : String(value))}).`,
      );
    }
    found.add(Number(value) as RemovalStatus);
  }
  return [...found].sort();
}

function tenant(query: RawQuery): string | undefined {
  const value = single(query, 'msTenantId', 'INVALID_MS_TENANT_ID');
  if (value === undefined || value.trim() === '') return undefined;
  if (!GUID_PATTERN.test(value)) {
    throw invalid(
      'INVALID_MS_TENANT_ID',
      'must be a GUID in the 8-4-4-4-12 hexadecimal form, for example 6f9619ff-8b86-d011-b42d-00cf4fc964ff; ' +
        'omit it or leave it empty for all tenants.',
    );
  }
  return value.toLowerCase();
}

function prefix(query: RawQuery): string | undefined {
  const value = single(query, 'telephoneNumberPrefix', 'INVALID_TELEPHONE_NUMBER_PREFIX');
  if (value === undefined) return undefined;
  if (!PREFIX_PATTERN.test(value)) {
    throw invalid(
      'INVALID_TELEPHONE_NUMBER_PREFIX',
      `must be + and 1 to 15 digits, the first not 0, for example +1425 (got ${shown(value)}).`,
    );
  }
  return value;
}

/** The query of `GET /api/v3/oc/numbers`, checked; `csv` when the answer is the CSV export. */
export function parseListQuery(query: RawQuery, csv: boolean): ListQuery {
  const filters = { statuses: statuses(query), msTenantId: tenant(query), prefix: prefix(query) };
  const page = integer(query, 'page', 'INVALID_PAGE', 1, MAX_OFFSET + 1);
  const pageSize = integer(query, 'pageSize', 'INVALID_PAGE_SIZE', 1, MAX_PAGE_SIZE);
  const cursor = single(query, 'cursor', 'INVALID_CURSOR');
  if (csv) {
    // The export is every matching number: a page of it would be a second way to page.
    if (page !== undefined) throw invalid('INVALID_PAGE', 'is not taken by the CSV export, which answers every page.');
    if (pageSize !== undefined) {
      throw invalid('INVALID_PAGE_SIZE', 'is not taken by the CSV export, which answers every page.');
    }
    if (cursor !== undefined)
      throw invalid('INVALID_CURSOR', 'is not taken by the CSV export, which answers every page.');
  }
  if (cursor !== undefined && page !== undefined) {
    throw invalid('INVALID_CURSOR', 'cannot be combined with page: a cursor names its own page.');
  }
  const size = pageSize ?? DEFAULT_PAGE_SIZE;
  if (page !== undefined && (page - 1) * size > MAX_OFFSET) {
    throw invalid(
      'INVALID_PAGE',
      `must start within the first ${MAX_OFFSET} matching records ((page - 1) × pageSize ≤ ${MAX_OFFSET}); ` +
        'to go further, follow nextCursor.',
    );
  }
  return { ...filters, page, pageSize: size, cursor };
}

/** The query of `GET /api/v3/oc/numbers/removal-status/tenants`, checked. */
export function parseTenantsQuery(query: RawQuery): { page: number; pageSize: number } {
  return {
    page: integer(query, 'page', 'INVALID_PAGE', 1, MAX_TENANT_PAGE) ?? 1,
    pageSize: integer(query, 'pageSize', 'INVALID_PAGE_SIZE', 1, MAX_PAGE_SIZE) ?? DEFAULT_PAGE_SIZE,
  };
}
