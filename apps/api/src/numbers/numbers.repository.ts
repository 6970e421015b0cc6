import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { OcNumber } from './oc-number.entity';
import { RemovalStatus } from './removal-status';

export interface RemovalCounts {
  readonly markedForRemoval: number;
  readonly readyForRemoval: number;
}

const { MarkedForRemoval, ReadyForRemoval } = RemovalStatus;

@Injectable()
export class NumbersRepository {
  constructor(@InjectRepository(OcNumber) private readonly numbers: Repository<OcNumber>) {}

  /**
   * Counts both removal statuses in one query, for one tenant (a lower-case GUID) or, without
   * one, for all numbers. The statuses are literals, not parameters, so both databases can
   * answer from the partial index `ix_oc_numbers_in_removal`.
   */
  async countInRemoval(msTenantId?: string): Promise<RemovalCounts> {
    const query = this.numbers
      .createQueryBuilder('n')
      .select(`COUNT(CASE WHEN n.removal_status = ${MarkedForRemoval} THEN 1 END)`, 'marked')
      .addSelect(`COUNT(CASE WHEN n.removal_status = ${ReadyForRemoval} THEN 1 END)`, 'ready')
      .where(`n.removal_status IN (${MarkedForRemoval}, ${ReadyForRemoval})`);
    if (msTenantId !== undefined) {
      query.andWhere('n.ms_tenant_id = :msTenantId', { msTenantId });
    }
    const row = await query.getRawOne<{ marked: string | number; ready: string | number }>();
    // PostgreSQL returns COUNT as a string (bigint), SQLite as a number.
    return { markedForRemoval: Number(row?.marked ?? 0), readyForRemoval: Number(row?.ready ?? 0) };
  }
}
