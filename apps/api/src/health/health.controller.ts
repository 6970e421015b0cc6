import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { HealthStatus } from '@oc-numbers/contracts';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { databaseUnavailable } from '../problem/problem';

/** The probes of load balancers and orchestrators. Neither does more work than its name says. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The process is up and serves HTTP: no I/O, so a slow database never fails it. */
  @Get('live')
  live(): Promise<HealthStatus> {
    return this.health.check([]) as Promise<HealthStatus>;
  }

  /** One round trip to the database, bounded by the statement timeout. */
  @Get('ready')
  async ready(): Promise<HealthStatus> {
    try {
      return (await this.health.check([
        () => this.database.pingCheck('database', { timeout: this.config.databaseStatementTimeoutMs }),
      ])) as HealthStatus;
    } catch (error) {
      if (error instanceof ServiceUnavailableException) throw databaseUnavailable();
      throw error;
    }
  }
}
