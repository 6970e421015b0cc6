import { Controller, Get, Headers, Query, StreamableFile } from '@nestjs/common';
import { ApiExtraModels, ApiOperation, ApiQuery, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { NumberListPage, TenantRemovalSummaryPage } from '@oc-numbers/contracts';
import { type Caller, CurrentCaller } from '../auth/caller';
import { ProblemException } from '../problem/problem';
import { problem } from '../problem/problem-catalogue';
import { ApiProblemResponses } from '../problem/problem-details.dto';
import { parseListQuery, parseTenantsQuery } from './list-query';
import { NumberListPageDto, TenantRemovalSummaryPageDto } from './number-list.dto';
import { NumberListService } from './number-list.service';

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

type Answer = 'json' | 'csv';

/**
 * The answer an `Accept` header asks for: JSON unless it prefers CSV; undefined when it accepts
 * neither (a 406). Without the header, or with `*\/*`, JSON. Quality values are honoured; a tie
 * goes to JSON.
 */
export function negotiate(accept: string | undefined): Answer | undefined {
  if (accept === undefined || accept.trim() === '') return 'json';
  let json = 0;
  let csv = 0;
  for (const range of accept.split(',')) {
    const [type, ...params] = range.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    const quality = q === undefined ? 1 : Number(q);
    if (!(quality >= 0 && quality <= 1)) continue;
    const media = type.trim();
    if (media === '*/*' || media === 'application/*' || media === 'application/json') json = Math.max(json, quality);
    if (media === '*/*' || media === 'text/*' || media === 'text/csv') csv = Math.max(csv, quality);
  }
  if (json === 0 && csv === 0) return undefined;
  return csv > json ? 'csv' : 'json';
}

const int32Query = (name: string, description: string, maximum: number) =>
  ApiQuery({ name, required: false, description, schema: { type: 'integer', format: 'int32', minimum: 1, maximum } });

@ApiTags('Numbers')
@Controller('api/v3/oc/numbers')
export class NumberListController {
  constructor(private readonly numbers: NumberListService) {}

  @Get()
  @ApiOperation({ operationId: 'listNumbers', summary: 'List numbers' })
  @ApiExtraModels(NumberListPageDto)
  @ApiQuery({
    name: 'acquiredNumberStatus',
    required: false,
    isArray: true,
    schema: { type: 'array', items: { type: 'integer', format: 'int32', enum: [0, 1, 2, 3] } },
  })
  @ApiQuery({ name: 'msTenantId', required: false, schema: { type: 'string', format: 'uuid' } })
  @ApiQuery({ name: 'telephoneNumberPrefix', required: false, schema: { type: 'string', maxLength: 16 } })
  @int32Query('page', 'The page, from 1.', 100001)
  @int32Query('pageSize', 'Numbers per page, 1–1000.', 1000)
  @ApiQuery({ name: 'cursor', required: false, schema: { type: 'string', maxLength: 512 } })
  @ApiResponse({
    status: 200,
    description: 'A page of numbers, or every matching number as CSV.',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(NumberListPageDto) } },
      'text/csv': { schema: { type: 'string' } },
    },
  })
  @ApiProblemResponses({
    400: 'A parameter is not valid.',
    401: 'No bearer token, or one that is not accepted (UNAUTHENTICATED, INVALID_TOKEN).',
    403: 'The token has none of the roles the operation needs (INSUFFICIENT_ROLE), or does not reach the tenant named (TENANT_FORBIDDEN).',
    406: 'Accept names neither application/json nor text/csv.',
    429: 'The client is over its rate limit.',
    431: 'The request head is over 16 KiB.',
    500: 'An unexpected failure.',
    503: 'The database is not available, or the counts are inconsistent until repaired.',
  })
  async listNumbers(
    @Query() query: Record<string, unknown>,
    @Headers('accept') accept: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<NumberListPage | StreamableFile> {
    const answer = negotiate(accept);
    if (answer === undefined) {
      throw new ProblemException(
        problem('NOT_ACCEPTABLE', {
          message: 'The list answers with application/json or text/csv; Accept named neither.',
        }),
      );
    }
    const parsed = parseListQuery(query, answer === 'csv');
    if (answer === 'json') return this.numbers.list(parsed, caller.scope);
    return new StreamableFile(this.numbers.exportCsv(parsed, caller.scope), { type: CSV_CONTENT_TYPE });
  }

  @Get('removal-status/tenants')
  @ApiOperation({ operationId: 'listTenantRemovalSummaries', summary: 'List tenants by numbers in removal' })
  @int32Query('page', 'The page, from 1.', 100000)
  @int32Query('pageSize', 'Tenants per page, 1–1000.', 1000)
  @ApiResponse({ status: 200, description: 'A page of tenants.', type: TenantRemovalSummaryPageDto })
  @ApiProblemResponses({
    400: 'page or pageSize is not valid.',
    401: 'No bearer token, or one that is not accepted (UNAUTHENTICATED, INVALID_TOKEN).',
    403: 'The token has none of the roles the operation needs (INSUFFICIENT_ROLE).',
    429: 'The client is over its rate limit.',
    431: 'The request head is over 16 KiB.',
    500: 'An unexpected failure.',
    503: 'The database is not available, or the counts are inconsistent until repaired.',
  })
  listTenantRemovalSummaries(
    @Query() query: Record<string, unknown>,
    @CurrentCaller() caller: Caller,
  ): Promise<TenantRemovalSummaryPage> {
    const { page, pageSize } = parseTenantsQuery(query);
    return this.numbers.tenants(page, pageSize, caller.scope);
  }
}
