import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { HealthStatus } from '@oc-numbers/contracts';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DatabaseDriver, SqliteFileChangedError } from '../database/database-driver';
import { databaseUnavailable } from '../problem/problem';
import { ApiProblemResponses } from '../problem/problem-details.dto';
import { HealthStatusDto } from './health-status.dto';

/** The probes of load balancers and orchestrators. Neither does more work than its name says. */
@ApiTags('Operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly driver: DatabaseDriver,
  ) {}

  /** The process is up and serves HTTP: no I/O, so a slow database never fails it. */
  @Get('live')
  @ApiOperation({ operationId: 'getLiveness', summary: 'Liveness probe' })
  @ApiOkResponse({ type: HealthStatusDto, description: 'The process is up.' })
  @ApiProblemResponses({ 429: 'The client is over its rate limit.' })
  live(): Promise<HealthStatus> {
    return this.health.check([]) as Promise<HealthStatus>;
  }

  /**
   * One round trip to the database, bounded by the statement timeout. On SQLite, first: is the
   * file at the configured path still the one open (a deleted or restored file is closed, and a
   * usable new one opened)? If not, the answer's `reason` says why.
   */
  @Get('ready')
  @ApiOperation({ operationId: 'getReadiness', summary: 'Readiness probe' })
  @ApiOkResponse({ type: HealthStatusDto, description: 'The database answered.' })
  @ApiProblemResponses({ 429: 'The client is over its rate limit.', 503: 'The database is not available.' })
  async ready(): Promise<HealthStatus> {
    const reason = await this.driver.checkSqliteFile();
    if (reason !== undefined) throw databaseUnavailable(new SqliteFileChangedError(reason), reason);
    try {
      return (await this.health.check([
        () => this.database.pingCheck('database', { timeout: this.config.databaseStatementTimeoutMs }),
      ])) as HealthStatus;
    } catch (error) {
      if (error instanceof ServiceUnavailableException) throw databaseUnavailable(error.getResponse());
      throw error;
    }
  }
}
