import { ApiProperty } from '@nestjs/swagger';
import type { RemovalStatusSummary } from '@oc-numbers/contracts';

const count = (description: string) =>
  ApiProperty({ type: 'integer', format: 'int64', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description });

/** The summary's body, as the decorators describe it (held to the contract by the contract suite). */
export class RemovalStatusSummaryDto implements RemovalStatusSummary {
  @count('Numbers with status MarkedForRemoval (2).')
  markedForRemovalCount!: number;

  @count('Numbers with status ReadyForRemoval (3).')
  readyForRemovalCount!: number;

  @count('The sum of markedForRemovalCount and readyForRemovalCount.')
  totalCount!: number;
}
