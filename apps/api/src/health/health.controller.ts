import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { HealthStatus } from '@oc-numbers/contracts';
import { serviceUnavailable } from '../problem/problem';
import { ApiProblemResponses } from '../problem/problem-details.dto';
import { HealthStatusDto } from './health-status.dto';
import { ReadinessFailure, ReadinessService } from './readiness.service';

/** The probes of load balancers and orchestrators. Neither does more work than its name says. */
@ApiTags('Operations')
@Controller('health')
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  /**
   * The process is up and serves HTTP: no I/O, so a slow database never fails it. It checks
   * nothing, so it answers at once (no promise, no checks run over an empty list).
   */
  @Get('live')
  @ApiOperation({ operationId: 'getLiveness', summary: 'Liveness probe' })
  @ApiOkResponse({ type: HealthStatusDto, description: 'The process is up.' })
  @ApiProblemResponses({ 429: 'The client is over its rate limit.' })
  live(): HealthStatus {
    return { status: 'ok', info: {}, error: {}, details: {} };
  }

  /**
   * What the summary needs, within READINESS_TIMEOUT_MS (see ReadinessService). A failure is a
   * 503 problem whose `check` names the part that failed and whose `reason` says why.
   */
  @Get('ready')
  @ApiOperation({ operationId: 'getReadiness', summary: 'Readiness probe' })
  @ApiOkResponse({ type: HealthStatusDto, description: 'Every check passed.' })
  @ApiProblemResponses({ 429: 'The client is over its rate limit.', 503: 'A check failed or timed out.' })
  async ready(): Promise<HealthStatus> {
    try {
      return await this.readiness.check();
    } catch (error) {
      if (!(error instanceof ReadinessFailure)) throw error;
      throw serviceUnavailable('DATABASE_UNAVAILABLE', error, { check: error.check, reason: error.reason });
    }
  }
}
