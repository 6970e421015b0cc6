import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type {
  NumberListItem,
  NumberListPage,
  NumberRemovalStatus,
  TenantRemovalSummary,
  TenantRemovalSummaryPage,
} from '@oc-numbers/contracts';
import { MAX_PAGE_SIZE } from './list-query';

/** The bodies of the list and the per-tenant view, as the decorators describe them (held to the contract). */

const count = (description: string) =>
  ApiProperty({ type: 'integer', format: 'int64', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description });
const int32 = (description: string, maximum: number) =>
  ApiProperty({ type: 'integer', format: 'int32', minimum: 1, maximum, description });
const orNull = (schema: Record<string, unknown>, description: string) =>
  ApiProperty({ anyOf: [schema, { type: 'null' }], description } as never);

export class NumberListItemDto implements NumberListItem {
  @ApiProperty({ type: String, maxLength: 16, description: 'The number, E.164.' })
  telephoneNumber!: string;

  @orNull({ type: 'string', format: 'uuid', maxLength: 36 }, "The tenant's id, lower-case; null when none.")
  msTenantId!: string | null;

  @ApiProperty({ type: 'integer', format: 'int32', enum: [0, 1, 2, 3], description: 'The status (0–3).' })
  acquiredNumberStatus!: NumberRemovalStatus;

  @orNull({ type: 'string', format: 'date-time' }, 'When the status last changed; null when it never did.')
  removalStatusChangedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', description: 'When the number entered the inventory.' })
  createdAt!: string;
}

export class NumberListPageDto implements NumberListPage {
  @int32('The page number.', 2147483647)
  currentPage!: number;

  @int32('Numbers per page.', MAX_PAGE_SIZE)
  pageSize!: number;

  @count('Pages of this size.')
  totalPages!: number;

  @count('Numbers that match the filters.')
  totalRecords!: number;

  @ApiProperty({ type: [NumberListItemDto] })
  data!: NumberListItemDto[];

  @ApiPropertyOptional({ type: String, maxLength: 512, description: 'The cursor of the next page.' })
  nextCursor?: string;
}

export class TenantRemovalSummaryDto implements TenantRemovalSummary {
  @ApiProperty({ type: String, format: 'uuid', maxLength: 36, description: "The tenant's id, lower-case." })
  msTenantId!: string;

  @count('Numbers with status MarkedForRemoval (2).')
  markedForRemovalCount!: number;

  @count('Numbers with status ReadyForRemoval (3).')
  readyForRemovalCount!: number;

  @count('The sum of the two.')
  totalCount!: number;

  @orNull({ type: 'string', format: 'date-time' }, "When the tenant's last reconciliation finished; null if never.")
  lastReconciledAt!: string | null;
}

export class TenantRemovalSummaryPageDto implements TenantRemovalSummaryPage {
  @int32('The page number.', 100000)
  currentPage!: number;

  @int32('Tenants per page.', MAX_PAGE_SIZE)
  pageSize!: number;

  @count('Pages of this size.')
  totalPages!: number;

  @count('Tenants that have numbers.')
  totalRecords!: number;

  @ApiProperty({ type: [TenantRemovalSummaryDto] })
  data!: TenantRemovalSummaryDto[];
}
