import type { RemovalStatusSummary } from '@oc-numbers/contracts';

/** The fields of a number that decide whether and where the summary counts it. */
export interface CountedNumber {
  readonly msTenantId: string | null;
  readonly removalStatus: number | null;
}

/** MarkedForRemoval and ReadyForRemoval: the two statuses the summary counts. */
const MARKED_FOR_REMOVAL = 2;
const READY_FOR_REMOVAL = 3;

/**
 * The summary that numbers must give, counted here from the rows themselves and independently
 * of the service: for all tenants (numbers without a tenant included), or for one tenant in any
 * letter case.
 */
export function expectedSummary(rows: Iterable<CountedNumber>, msTenantId?: string): RemovalStatusSummary {
  const tenant = msTenantId?.toLowerCase();
  let markedForRemovalCount = 0;
  let readyForRemovalCount = 0;
  for (const row of rows) {
    if (tenant !== undefined && row.msTenantId?.toLowerCase() !== tenant) continue;
    if (row.removalStatus === MARKED_FOR_REMOVAL) markedForRemovalCount++;
    if (row.removalStatus === READY_FOR_REMOVAL) readyForRemovalCount++;
  }
  return { markedForRemovalCount, readyForRemovalCount, totalCount: markedForRemovalCount + readyForRemovalCount };
}
