import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type {
  NumberActionOutcome,
  NumberActionResponse,
  NumberActionResult,
  NumberHistoryEntry,
  NumberHistoryPage,
  NumberRemovalStatus,
} from '@oc-numbers/contracts';

/* The bodies of the lifecycle operations, as the decorators describe them (held to the contract by the contract suite). */

const count = (description?: string) =>
  ApiProperty({ type: 'integer', format: 'int64', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description });
const status = { type: 'integer', format: 'int32', minimum: 0, maximum: 3 } as const;
const E164 = { type: String, maxLength: 16, pattern: '^\\+[1-9][0-9]{1,14}$' } as const;
const nullable = (schema: Record<string, unknown>, description: string) =>
  ApiProperty({ oneOf: [schema, { type: 'null' }], description });

export class NumberActionResultDto implements NumberActionResult {
  @ApiProperty(E164)
  telephoneNumber!: string;

  @ApiProperty({ type: String, enum: ['changed', 'notFound', 'wrongStatus'], maxLength: 16 })
  outcome!: NumberActionOutcome;

  @ApiPropertyOptional({ ...status, description: 'For wrongStatus, the status the action left as it is.' })
  currentStatus?: NumberRemovalStatus;
}

export class NumberActionDataDto {
  @count('Every number of the request.')
  processedCount!: number;

  @count('The numbers that changed.')
  successCount!: number;

  @ApiProperty({ type: [NumberActionResultDto], maxItems: 1000 })
  results!: NumberActionResultDto[];

  @ApiPropertyOptional({ type: 'integer', format: 'int64', minimum: 0, maximum: Number.MAX_SAFE_INTEGER })
  omittedResultCount?: number;
}

export class NumberActionResponseDto implements NumberActionResponse {
  @ApiProperty({ type: NumberActionDataDto })
  data!: NumberActionDataDto;

  @ApiProperty({ type: String, enum: ['success'], maxLength: 16 })
  status!: 'success';

  @ApiProperty({ type: Boolean, enum: [true] })
  succeeded!: true;

  @ApiProperty({ type: String, maxLength: 256 })
  message!: string;
}

export class NumberHistoryEntryDto implements NumberHistoryEntry {
  @ApiProperty({ type: String, format: 'date-time', maxLength: 32 })
  changedAt!: string;

  @nullable(status, 'The status before; null when the change created the number.')
  oldStatus!: NumberRemovalStatus | null;

  @nullable(status, 'The status after; null when the change removed the number.')
  newStatus!: NumberRemovalStatus | null;

  @ApiProperty({ type: String, maxLength: 32 })
  operation!: string;

  @nullable({ type: 'string', maxLength: 256 }, 'Who asked.')
  caller!: string | null;

  @nullable({ type: 'string', format: 'uuid', maxLength: 36 }, 'The reconciliation that made the change.')
  reconciliationId!: string | null;

  @nullable({ type: 'string', format: 'uuid', maxLength: 36 }, "The number's tenant at the time.")
  msTenantId!: string | null;
}

export class NumberHistoryPageDto implements NumberHistoryPage {
  @ApiProperty({ type: 'integer', format: 'int32', minimum: 1, maximum: 1_000_000 })
  currentPage!: number;

  @ApiProperty({ type: 'integer', format: 'int32', minimum: 1, maximum: 200 })
  pageSize!: number;

  @count()
  totalPages!: number;

  @count()
  totalRecords!: number;

  @ApiProperty({ type: [NumberHistoryEntryDto], maxItems: 200 })
  data!: NumberHistoryEntryDto[];
}
