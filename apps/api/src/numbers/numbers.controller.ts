import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { RemovalStatusSummary } from '@oc-numbers/contracts';
import { NumbersService } from './numbers.service';
import { RemovalStatusSummaryQueryDto } from './removal-status-summary-query.dto';

@ApiTags('Numbers')
@Controller('api/v3/oc/numbers')
export class NumbersController {
  constructor(private readonly numbers: NumbersService) {}

  @Get('removal-status/summary')
  @ApiOperation({ operationId: 'getNumberRemovalStatusSummary' })
  getRemovalStatusSummary(@Query() query: RemovalStatusSummaryQueryDto): Promise<RemovalStatusSummary> {
    return this.numbers.getRemovalStatusSummary(query.msTenantId);
  }
}
