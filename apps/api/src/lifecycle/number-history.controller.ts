import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { NumberHistoryPage } from '@oc-numbers/contracts';
import { type Caller, CurrentCaller } from '../auth/caller';
import { E164_PATTERN } from '../numbers/telephone-number';
import { ProblemException } from '../problem/problem';
import { ApiProblemResponses } from '../problem/problem-details.dto';
import { problem } from '../problem/problem-catalogue';
import { NumberHistoryPageDto } from './lifecycle.dto';
import { DEFAULT_HISTORY_PAGE_SIZE, LifecycleService, MAX_HISTORY_PAGE_SIZE } from './lifecycle.service';

/** The highest page a caller may ask for (the contract's bound). */
const MAX_PAGE = 1_000_000;

@ApiTags('Numbers')
@Controller('api/v3/oc/numbers')
export class NumberHistoryController {
  constructor(private readonly lifecycle: LifecycleService) {}

  /**
   * The router decodes the path: `%2B` and a raw `+` both arrive as `+` (a path, unlike a query,
   * never reads `+` as a space).
   */
  @Get(':telephoneNumber/history')
  @ApiOperation({ operationId: 'getNumberHistory', summary: 'Get the status history of a number' })
  @ApiParam({ name: 'telephoneNumber', schema: { type: 'string', maxLength: 16, pattern: E164_PATTERN.source } })
  @ApiQuery({ name: 'page', required: false, schema: { type: 'integer', format: 'int32', minimum: 1 } })
  @ApiQuery({ name: 'pageSize', required: false, schema: { type: 'integer', format: 'int32', minimum: 1 } })
  @ApiOkResponse({ type: NumberHistoryPageDto, description: "One page of the number's history, newest first." })
  @ApiProblemResponses({
    400: 'The number is not E.164, or page or pageSize is out of range.',
    401: 'No bearer token, or one that is not accepted (UNAUTHENTICATED, INVALID_TOKEN).',
    403: 'The token has none of the roles the operation needs (INSUFFICIENT_ROLE).',
    429: 'The client is over its rate limit.',
    500: 'An unexpected failure.',
    503: 'The database is not available.',
  })
  getHistory(
    @Param('telephoneNumber') telephoneNumber: string,
    @Query('page') page: unknown,
    @Query('pageSize') pageSize: unknown,
    @CurrentCaller() caller: Caller,
  ): Promise<NumberHistoryPage> {
    if (!E164_PATTERN.test(telephoneNumber)) {
      throw new ProblemException(
        problem('INVALID_TELEPHONE_NUMBER', {
          rule: 'must be E.164, a + then 2 to 15 digits, the first not 0, e.g. +14255551212.',
        }),
      );
    }
    return this.lifecycle.history(
      telephoneNumber,
      wholeNumber('page', page, 1, MAX_PAGE, 1),
      wholeNumber('pageSize', pageSize, 1, MAX_HISTORY_PAGE_SIZE, DEFAULT_HISTORY_PAGE_SIZE),
      caller.scope,
    );
  }
}

/** A query parameter that must be one whole number from `min` to `max`; absent or empty: `fallback`. */
function wholeNumber(name: 'page' | 'pageSize', value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const number = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (number >= min && number <= max) return number;
  const rule = `must be a whole number from ${min} to ${max}, given once.`;
  throw new ProblemException(
    name === 'page' ? problem('INVALID_PAGE', { rule }) : problem('INVALID_PAGE_SIZE', { rule }),
  );
}
