import { createHash } from 'node:crypto';
import { isE164 } from '../numbers/telephone-number';
import { ProblemException } from '../problem/problem';
import { problem } from '../problem/problem-catalogue';
import type { ListFilters } from './list-query';

/**
 * The list's cursor: where the next page starts (after the last number of the page that made
 * it), the page number it leads to, and the filters it serves, with a check over all three.
 * Opaque to callers (base64url), and bound to its filters (and the tenants the caller reaches,
 * when it does not reach every tenant): sent with other filters it is refused
 * rather than silently walking another set. The check is not a secret: a cursor only ever names
 * a position in the number order, which any caller can ask for with a prefix, so forging one
 * gains nothing; the check makes a changed or made-up cursor a clear 400 instead of a page that
 * looks right.
 */
export interface ListCursor {
  /** The last number of the previous page: the next page starts after it. */
  readonly after: string;
  /** The page number of the page the cursor leads to. */
  readonly page: number;
}

const VERSION = 'v1';

/**
 * The filters in one canonical text: the same filters always give the same text. The tenants of
 * a limited caller are part of them, so a cursor made for one set of tenants is refused for
 * another (a caller's cursor serves only callers that see the same numbers).
 */
function filterKey(filters: ListFilters): string {
  const key: unknown[] = [filters.statuses ?? [], filters.msTenantId ?? '', filters.prefix ?? ''];
  if (filters.tenants !== undefined) key.push(filters.tenants);
  return JSON.stringify(key);
}

function digest(...parts: string[]): string {
  return createHash('sha256')
    .update(`oc-numbers:list-cursor:${parts.join('\n')}`)
    .digest('base64url')
    .slice(0, 16);
}

export function encodeCursor(cursor: ListCursor, filters: ListFilters): string {
  const bound = digest(filterKey(filters));
  const body = `${VERSION}.${cursor.after}.${cursor.page}.${bound}`;
  return Buffer.from(`${body}.${digest(body)}`, 'utf8').toString('base64url');
}

function refused(rule: string): ProblemException {
  return new ProblemException(problem('INVALID_CURSOR', { rule }));
}

export function decodeCursor(text: string, filters: ListFilters): ListCursor {
  const notOurs = () =>
    refused('is not a cursor this service made; pass the nextCursor of a previous page unchanged, or omit it.');
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(text)) throw notOurs();
  const bytes = Buffer.from(text, 'base64url');
  // Base64 decoding drops stray characters: only the exact encoding of its bytes is a cursor.
  if (bytes.toString('base64url') !== text) throw notOurs();
  const parts = bytes.toString('utf8').split('.');
  if (parts.length !== 5) throw notOurs();
  const [version, after, page, bound, check] = parts;
  if (version !== VERSION || check !== digest(parts.slice(0, 4).join('.'))) throw notOurs();
  if (!isE164(after) || !/^[1-9][0-9]{0,8}$/.test(page)) throw notOurs();
  if (bound !== digest(filterKey(filters))) {
    throw refused('was made for other filters; send the filters of the walk it belongs to, or start again without it.');
  }
  return { after, page: Number(page) };
}
