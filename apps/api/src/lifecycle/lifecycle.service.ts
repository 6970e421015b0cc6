import { Injectable } from '@nestjs/common';
import type { NumberActionResponse, NumberActionResult, NumberHistoryPage } from '@oc-numbers/contracts';
import { ALL_TENANTS, type TenantScope } from '../auth/caller';
import { requireTenant, scopedTenants } from '../auth/tenant-access';
import type { ChangeContext } from '../numbers/change-context';
import { RemovalStatus } from '../numbers/removal-status';
import type { ActionTarget } from './action-request';
import { type ActionOutcome, LifecycleRepository } from './lifecycle.repository';

/** Final removal by tenant lists at most this many removed numbers; it counts them all. */
export const MAX_TENANT_REMOVAL_RESULTS = 1000;

/** The largest page of a number's history. */
export const MAX_HISTORY_PAGE_SIZE = 200;
export const DEFAULT_HISTORY_PAGE_SIZE = 50;

/** What each action does, in the words its answer uses. */
const ACTIONS = {
  'ready-for-removal': {
    from: RemovalStatus.MarkedForRemoval,
    to: RemovalStatus.ReadyForRemoval,
    done: 'moved to ReadyForRemoval',
  },
  'clear-removal-status': {
    from: RemovalStatus.MarkedForRemoval,
    to: RemovalStatus.Active,
    done: 'returned to Active',
  },
} as const;

/**
 * The lifecycle's actions on named numbers (or, for final removal, a tenant's), and the status
 * history. A number the action does not apply to is an outcome of its own in the answer, never
 * an error: the request as a whole succeeds, in one transaction.
 */
@Injectable()
export class LifecycleService {
  constructor(private readonly repository: LifecycleRepository) {}

  async transition(
    operation: keyof typeof ACTIONS,
    numbers: readonly string[],
    caller: string | null,
    scope: TenantScope = ALL_TENANTS,
  ): Promise<NumberActionResponse> {
    const { from, to, done } = ACTIONS[operation];
    const outcome = await this.repository.transition(numbers, from, to, { operation, caller }, scopedTenants(scope));
    return answer(numbers, outcome, done);
  }

  /**
   * Final removal of named numbers, or of a tenant's. `scope`: a number outside it is `notFound`,
   * as one the inventory does not hold; a tenant outside it is refused (403 TENANT_FORBIDDEN).
   */
  async remove(
    target: ActionTarget,
    caller: string | null,
    scope: TenantScope = ALL_TENANTS,
  ): Promise<NumberActionResponse> {
    const context: ChangeContext = { operation: 'remove', caller };
    if ('telephoneNumbers' in target) {
      const outcome = await this.repository.remove(
        target.telephoneNumbers,
        RemovalStatus.ReadyForRemoval,
        context,
        scopedTenants(scope),
      );
      return answer(target.telephoneNumbers, outcome, 'removed');
    }
    requireTenant(scope, target.msTenantId);
    const removal = await this.repository.removeTenant(
      target.msTenantId,
      RemovalStatus.ReadyForRemoval,
      MAX_TENANT_REMOVAL_RESULTS,
      context,
    );
    return {
      data: {
        processedCount: removal.tenantNumbers,
        successCount: removal.removed,
        results: removal.listed.map((telephoneNumber) => ({ telephoneNumber, outcome: 'changed' })),
        omittedResultCount: removal.removed - removal.listed.length,
      },
      status: 'success',
      succeeded: true,
      message: `${removal.removed} of the tenant's ${removal.tenantNumbers} numbers removed (those ReadyForRemoval).`,
    };
  }

  /** A page of a number's history: only the entries of the tenants `scope` reaches. */
  async history(
    telephoneNumber: string,
    page: number,
    pageSize: number,
    scope: TenantScope = ALL_TENANTS,
  ): Promise<NumberHistoryPage> {
    const { total, rows } = await this.repository.history(
      telephoneNumber,
      (page - 1) * pageSize,
      pageSize,
      scopedTenants(scope),
    );
    return {
      currentPage: page,
      pageSize,
      totalPages: Math.ceil(total / pageSize),
      totalRecords: total,
      data: rows.map((row) => ({ ...row })),
    };
  }
}

/** The vendor's answer, with each number's outcome in the order of the request. */
function answer(numbers: readonly string[], outcome: ActionOutcome, done: string): NumberActionResponse {
  const results = numbers.map((telephoneNumber): NumberActionResult => {
    if (outcome.changed.has(telephoneNumber)) return { telephoneNumber, outcome: 'changed' };
    const currentStatus = outcome.current.get(telephoneNumber);
    return currentStatus === undefined
      ? { telephoneNumber, outcome: 'notFound' }
      : { telephoneNumber, outcome: 'wrongStatus', currentStatus };
  });
  const successCount = outcome.changed.size;
  return {
    data: { processedCount: numbers.length, successCount, results },
    status: 'success',
    succeeded: true,
    message: `${successCount} of ${numbers.length} ${numbers.length === 1 ? 'number' : 'numbers'} ${done}.`,
  };
}
