import { Injectable } from '@nestjs/common';
import type { NumberListItem, NumberListPage, TenantRemovalSummaryPage } from '@oc-numbers/contracts';
import { Readable } from 'node:stream';
import { ALL_TENANTS, type TenantScope } from '../auth/caller';
import { requireTenant, scopedTenants } from '../auth/tenant-access';
import { serviceUnavailable } from '../problem/problem';
import { CountsInconsistentError } from '../numbers/removal-counters';
import { decodeCursor, encodeCursor } from './list-cursor';
import type { ListFilters, ListQuery } from './list-query';
import { NumberListRepository, type NumberRow } from './number-list.repository';

/** Numbers one query of the CSV export reads: small enough to hold no connection long. */
export const CSV_BATCH = 1000;

/** The CSV export's columns, in order: the header line. */
export const CSV_COLUMNS = [
  'telephoneNumber',
  'msTenantId',
  'acquiredNumberStatus',
  'removalStatusChangedAt',
  'createdAt',
] as const;

function item(row: NumberRow): NumberListItem {
  return {
    telephoneNumber: row.telephoneNumber,
    msTenantId: row.msTenantId,
    acquiredNumberStatus: row.status,
    removalStatusChangedAt: row.removalStatusChangedAt,
    createdAt: row.createdAt,
  };
}

/** One CSV line. No field can hold a comma, a quote or a line break (numbers, GUIDs, digits, times). */
function csvLine(row: NumberRow): string {
  return `${row.telephoneNumber},${row.msTenantId ?? ''},${row.status},${row.removalStatusChangedAt ?? ''},${row.createdAt}\r\n`;
}

/** Counters that cannot be counts are answered as such (503), never as a wrong total. */
async function counted<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof CountsInconsistentError) throw serviceUnavailable('COUNTS_INCONSISTENT', error);
    throw error;
  }
}

/**
 * The filters as `scope` limits them: a tenant filter outside the scope is refused (403
 * TENANT_FORBIDDEN, whether it has numbers or not); without one, a limited caller's list holds
 * only its tenants' numbers (none when its token names no tenant).
 */
export function scopedFilters(query: ListFilters, scope: TenantScope): ListFilters {
  const filters: ListFilters = { statuses: query.statuses, msTenantId: query.msTenantId, prefix: query.prefix };
  if (query.msTenantId !== undefined) {
    requireTenant(scope, query.msTenantId);
    return filters;
  }
  const tenants = scopedTenants(scope);
  return tenants === undefined ? filters : { ...filters, tenants };
}

@Injectable()
export class NumberListService {
  constructor(private readonly repository: NumberListRepository) {}

  /**
   * A page of numbers: by cursor (keyset, after the cursor's number), or by page number (an
   * offset, bounded by MAX_OFFSET). One more row than the page is read to know whether a next
   * page exists; its cursor names the page's last number.
   */
  async list(query: ListQuery, scope: TenantScope = ALL_TENANTS): Promise<NumberListPage> {
    const filters = scopedFilters(query, scope);
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, filters);
    const currentPage = cursor?.page ?? query.page ?? 1;
    const { pageSize } = query;
    const { rows, total: totalRecords } = await counted(() =>
      this.repository.pageAndCount(filters, {
        after: cursor?.after,
        offset: cursor === undefined ? (currentPage - 1) * pageSize : 0,
        limit: pageSize + 1,
      }),
    );
    const page = rows.slice(0, pageSize);
    const more = rows.length > pageSize;
    return {
      currentPage,
      pageSize,
      totalPages: Math.ceil(totalRecords / pageSize),
      totalRecords,
      data: page.map(item),
      ...(more
        ? { nextCursor: encodeCursor({ after: page[page.length - 1].telephoneNumber, page: currentPage + 1 }, filters) }
        : {}),
    };
  }

  /**
   * Every number that matches, as CSV: a header line, then batches of CSV_BATCH numbers read one
   * query at a time as the client takes them (a stream that is pulled: a slow client slows the
   * reads, and nothing waits in memory beyond a few batches). Each batch starts after the last
   * number of the one before, as a cursor walk does. A client that goes away destroys the stream,
   * which ends the loop before its next query. A failure of a query after the header was sent
   * destroys the stream with the error: the server cuts the response, and the client sees an
   * incomplete transfer.
   */
  exportCsv(query: ListFilters, scope: TenantScope = ALL_TENANTS): Readable {
    // Refused before the first byte: the answer is a 403, not a cut stream.
    const filters = scopedFilters(query, scope);
    const repository = this.repository;
    async function* lines(): AsyncGenerator<string> {
      yield `${CSV_COLUMNS.join(',')}\r\n`;
      let after: string | undefined;
      for (;;) {
        const rows = await repository.page(filters, { after, limit: CSV_BATCH });
        if (rows.length > 0) yield rows.map(csvLine).join('');
        if (rows.length < CSV_BATCH) return;
        after = rows[rows.length - 1].telephoneNumber;
      }
    }
    return Readable.from(lines(), { objectMode: false, highWaterMark: 64 * 1024 });
  }

  /** A page of tenants, most numbers in removal first: of those `scope` reaches. */
  async tenants(page: number, pageSize: number, scope: TenantScope = ALL_TENANTS): Promise<TenantRemovalSummaryPage> {
    const { rows, total } = await counted(() =>
      this.repository.tenants((page - 1) * pageSize, pageSize, scopedTenants(scope)),
    );
    return {
      currentPage: page,
      pageSize,
      totalPages: Math.ceil(total / pageSize),
      totalRecords: total,
      data: rows.map((row) => ({
        msTenantId: row.msTenantId,
        markedForRemovalCount: row.markedForRemoval,
        readyForRemovalCount: row.readyForRemoval,
        totalCount: row.markedForRemoval + row.readyForRemoval,
        lastReconciledAt: row.lastReconciledAt,
      })),
    };
  }
}
