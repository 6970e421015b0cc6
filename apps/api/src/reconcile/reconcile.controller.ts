import { Body, Controller, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Reconciliation } from '@oc-numbers/contracts';
import type { FastifyRequest } from 'fastify';
import { type Caller, CurrentCaller } from '../auth/caller';
import { requireTenant } from '../auth/tenant-access';
import { callerOf } from '../numbers/change-context';
import { ApiProblemResponses } from '../problem/problem-details.dto';
import { ACQUIRED_NUMBERS_MEDIA_TYPES, acquiredNumbersOf } from './acquired-numbers';
import { ReconcilePathDto, ReconcileQueryDto, ReconciliationDto } from './reconcile.dto';
import { ReconcileService } from './reconcile.service';

/** The route template, as the body limit (security/request-limits.ts) and the rate limit name it. */
export const RECONCILE_ROUTE = '/api/v3/oc/tenants/:msTenantId/numbers/reconcile';

@ApiTags('Numbers')
@Controller('api/v3/oc/tenants')
export class ReconcileController {
  constructor(private readonly reconciler: ReconcileService) {}

  @Post(':msTenantId/numbers/reconcile')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'reconcileTenantNumbers',
    summary: "Reconcile a tenant's numbers with Microsoft's acquired numbers list",
  })
  @ApiConsumes(...ACQUIRED_NUMBERS_MEDIA_TYPES)
  @ApiOkResponse({ type: ReconciliationDto, description: 'What changed, or would change.' })
  @ApiProblemResponses({
    400: 'The tenant id, a flag or the body cannot be used.',
    401: 'No bearer token, or one that is not accepted (UNAUTHENTICATED, INVALID_TOKEN).',
    403: 'The token has none of the roles the operation needs (INSUFFICIENT_ROLE), or does not reach the tenant named (TENANT_FORBIDDEN).',
    409: 'The mass-removal guard refused the list.',
    413: 'The body is over 32 MiB, or holds more than 1,000,000 numbers.',
    415: 'The body is neither application/json nor text/csv.',
    429: 'The client is over its rate limit.',
    500: 'An unexpected failure.',
    503: 'The database is not available.',
  })
  reconcile(
    @Param() path: ReconcilePathDto,
    @Query() query: ReconcileQueryDto,
    // Checked by acquiredNumbersOf, not the validation pipe: a million entries need a loop, not
    // a million validators.
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @CurrentCaller() caller: Caller,
  ): Promise<Reconciliation> {
    // Before the list is read: a tenant the caller does not reach is refused alike whatever the
    // list holds, and whether the tenant has numbers or not. A listed number that another
    // tenant holds is, for this tenant, one the inventory does not know (`unknown`), and is
    // left as it is.
    requireTenant(caller.scope, path.msTenantId);
    const numbers = acquiredNumbersOf(request.headers['content-type'], body);
    return this.reconciler.reconcile({
      msTenantId: path.msTenantId,
      numbers,
      dryRun: query.dryRun === 'true',
      confirmMassRemoval: query.confirmMassRemoval === 'true',
      caller: callerOf(request),
    });
  }
}
