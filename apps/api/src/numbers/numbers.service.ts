import { Injectable } from '@nestjs/common';
import type { RemovalStatusSummary } from '@oc-numbers/contracts';
import { SingleFlight } from '../common/single-flight';
import { NumbersRepository, type RemovalCounts } from './numbers.repository';

/** The single-flight key of the summary over all tenants (a tenant's key is its lower-case id). */
const ALL_TENANTS = '';

@Injectable()
export class NumbersService {
  /**
   * Identical summary requests that arrive together share one query; a request only ever shares
   * a query that started after it arrived, so it sees every change committed before it.
   */
  private readonly counts = new SingleFlight<string, RemovalCounts>();

  constructor(private readonly repository: NumbersRepository) {}

  /**
   * The removal status summary for one tenant, or for all numbers when `msTenantId` is
   * undefined. Tenant ids are stored lower-case, so the id is compared lower-case.
   */
  async getRemovalStatusSummary(msTenantId?: string): Promise<RemovalStatusSummary> {
    const tenant = msTenantId?.toLowerCase();
    const counts = await this.counts.run(tenant ?? ALL_TENANTS, () => this.repository.countInRemoval(tenant));
    return {
      markedForRemovalCount: counts.markedForRemoval,
      readyForRemovalCount: counts.readyForRemoval,
      totalCount: counts.markedForRemoval + counts.readyForRemoval,
    };
  }
}
