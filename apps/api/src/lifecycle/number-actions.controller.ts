import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { NumberActionResponse } from '@oc-numbers/contracts';
import type { FastifyRequest } from 'fastify';
import { type Caller, CurrentCaller } from '../auth/caller';
import { headerKey, HEADER } from '../common/http-headers';
import { callerOf } from '../numbers/change-context';
import { ProblemException } from '../problem/problem';
import { ApiProblemResponses } from '../problem/problem-details.dto';
import { problem } from '../problem/problem-catalogue';
import { actionTarget, type ActionTarget, isJsonMediaType } from './action-request';
import { NumberActionResponseDto } from './lifecycle.dto';
import { LifecycleService } from './lifecycle.service';

const PROBLEMS = {
  400: 'The body cannot be used: INVALID_REQUEST_BODY, INVALID_TELEPHONE_NUMBERS or INVALID_MS_TENANT_ID.',
  401: 'No bearer token, or one that is not accepted (UNAUTHENTICATED, INVALID_TOKEN).',
  403: 'The token has none of the roles the operation needs (INSUFFICIENT_ROLE).',
  413: 'The body is over 16 KiB.',
  415: 'The body is not application/json.',
  429: "The client is over its rate limit, or over this operation's.",
  500: 'An unexpected failure.',
  503: 'The database is not available.',
};

/**
 * The vendor's lifecycle actions on named numbers. Each request is one transaction; its answer
 * has an outcome per number.
 */
@ApiTags('Numbers')
@Controller('api/v3/oc')
export class NumberActionsController {
  constructor(private readonly lifecycle: LifecycleService) {}

  @Post('numbers/action/ready-for-removal')
  @HttpCode(200)
  @ApiOperation({ operationId: 'markNumbersReadyForRemoval', summary: 'Transition numbers to ReadyForRemoval' })
  @ApiOkResponse({ type: NumberActionResponseDto, description: 'The outcome for each number.' })
  @ApiProblemResponses(PROBLEMS)
  markReadyForRemoval(
    @Req() request: FastifyRequest,
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
  ): Promise<NumberActionResponse> {
    const { telephoneNumbers } = namedNumbers(request, body);
    return this.lifecycle.transition('ready-for-removal', telephoneNumbers, callerOf(request), caller.scope);
  }

  @Post('action/clear-removal-status')
  @HttpCode(200)
  @ApiOperation({ operationId: 'clearNumbersRemovalStatus', summary: 'Clear the removal status of numbers' })
  @ApiOkResponse({ type: NumberActionResponseDto, description: 'The outcome for each number.' })
  @ApiProblemResponses(PROBLEMS)
  clearRemovalStatus(
    @Req() request: FastifyRequest,
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
  ): Promise<NumberActionResponse> {
    const { telephoneNumbers } = namedNumbers(request, body);
    return this.lifecycle.transition('clear-removal-status', telephoneNumbers, callerOf(request), caller.scope);
  }

  @Post('numbers/action/remove')
  @HttpCode(200)
  @ApiOperation({ operationId: 'removeNumbers', summary: 'Remove numbers that are ready for removal' })
  @ApiOkResponse({ type: NumberActionResponseDto, description: 'The outcome for each number.' })
  @ApiProblemResponses({
    ...PROBLEMS,
    403: 'The token has none of the roles the operation needs (INSUFFICIENT_ROLE), or does not reach the tenant named (TENANT_FORBIDDEN).',
  })
  remove(
    @Req() request: FastifyRequest,
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
  ): Promise<NumberActionResponse> {
    return this.lifecycle.remove(target(request, body, true), callerOf(request), caller.scope);
  }
}

function namedNumbers(request: FastifyRequest, body: unknown): { readonly telephoneNumbers: readonly string[] } {
  return target(request, body, false) as { readonly telephoneNumbers: readonly string[] };
}

/**
 * The body, once it is known to be JSON. Fastify reads `text/plain` too (as a string), and
 * refuses types it has no parser for with a 415 itself.
 */
function target(request: FastifyRequest, body: unknown, tenantForm: boolean): ActionTarget {
  const contentType = request.headers[headerKey(HEADER.contentType)];
  if (!isJsonMediaType(contentType)) {
    throw new ProblemException(
      problem('UNSUPPORTED_MEDIA_TYPE', {
        message: `The body must be application/json (got ${String(contentType).split(';', 1)[0].trim().slice(0, 64)}).`,
      }),
    );
  }
  return actionTarget(body, tenantForm);
}
