import { Injectable } from '@nestjs/common';
import type { RemovalStatusSummary } from '@oc-numbers/contracts';
import { NumbersRepository } from './numbers.repository';

@Injectable()
export class NumbersService {
  constructor(private readonly repository: NumbersRepository) {}

  /**
   * The removal status summary for one tenant, or for all numbers when `msTenantId` is
   * undefined. Tenant ids are stored lower-case, so the id is compared lower-case.
   */
  async getRemovalStatusSummary(msTenantId?: string): Promise<RemovalStatusSummary> {
    const counts = await this.repository.countInRemoval(msTenantId?.toLowerCase());
    return {
      markedForRemovalCount: counts.markedForRemoval,
      readyForRemovalCount: counts.readyForRemoval,
      totalCount: counts.markedForRemoval + counts.readyForRemoval,
    };
  }
}
