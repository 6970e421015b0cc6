import { Injectable } from '@nestjs/common';
import type { RemovalStatusSummary } from '@oc-numbers/contracts';
import { SingleFlight } from '../common/single-flight';
import { serviceUnavailable } from '../problem/problem';
import { CountsConsistency } from './counts-consistency';
import { NumbersRepository, type RemovalCounts } from './numbers.repository';
import { CountsInconsistentError } from './removal-counters';

/** The single-flight key of the summary over all tenants (a tenant's key is its lower-case id). */
const ALL_TENANTS = '';

@Injectable()
export class NumbersService {
  /**
   * Identical summary requests that arrive together share one query; a request only ever shares
   * a query that started after it arrived, so it sees every change committed before it.
   */
  private readonly counts = new SingleFlight<string, RemovalCounts>();

  constructor(
    private readonly repository: NumbersRepository,
    private readonly consistency: CountsConsistency = new CountsConsistency(),
  ) {}

  /**
   * The removal status summary for one tenant, or for all numbers when `msTenantId` is
   * undefined. Tenant ids are stored lower-case, so the id is compared lower-case. Counters that
   * cannot be counts are a 503 COUNTS_INCONSISTENT problem that names neither them nor the tenant.
   */
  async getRemovalStatusSummary(msTenantId?: string): Promise<RemovalStatusSummary> {
    const tenant = msTenantId?.toLowerCase();
    let counts: RemovalCounts;
    try {
      counts = await this.counts.run(tenant ?? ALL_TENANTS, () => this.repository.countInRemoval(tenant));
    } catch (error) {
      if (!(error instanceof CountsInconsistentError)) throw error;
      this.consistency.failed(error);
      throw serviceUnavailable('COUNTS_INCONSISTENT', error);
    }
    this.consistency.succeeded(tenant);
    return {
      markedForRemovalCount: counts.markedForRemoval,
      readyForRemovalCount: counts.readyForRemoval,
      totalCount: counts.markedForRemoval + counts.readyForRemoval,
    };
  }
}
