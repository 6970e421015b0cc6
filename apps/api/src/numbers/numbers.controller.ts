import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { RemovalStatusSummary } from '@oc-numbers/contracts';
import { type Caller, CurrentCaller } from '../auth/caller';
import { ApiProblemResponses } from '../problem/problem-details.dto';
import { NumbersService } from './numbers.service';
import { RemovalStatusSummaryDto } from './removal-status-summary.dto';
import { RemovalStatusSummaryQueryDto } from './removal-status-summary-query.dto';

@ApiTags('Numbers')
@Controller('api/v3/oc/numbers')
export class NumbersController {
  constructor(private readonly numbers: NumbersService) {}

  @Get('removal-status/summary')
  @ApiOperation({ operationId: 'getNumberRemovalStatusSummary', summary: 'Get the number removal status summary' })
  @ApiOkResponse({ type: RemovalStatusSummaryDto, description: 'The counts.' })
  @ApiProblemResponses({
    400: 'msTenantId is not a GUID, or was given more than once.',
    401: 'No bearer token, or one that is not accepted (UNAUTHENTICATED, INVALID_TOKEN).',
    403: 'The token has none of the roles the operation needs (INSUFFICIENT_ROLE), or does not reach the tenant named (TENANT_FORBIDDEN).',
    429: 'The client is over its rate limit.',
    431: 'The request head is over 16 KiB.',
    500: 'An unexpected failure.',
    503: 'The database is not available, or the counts are inconsistent until repaired.',
  })
  getRemovalStatusSummary(
    @Query() query: RemovalStatusSummaryQueryDto,
    @CurrentCaller() caller: Caller,
  ): Promise<RemovalStatusSummary> {
    return this.numbers.getRemovalStatusSummary(query.msTenantId, caller.scope);
  }
}
