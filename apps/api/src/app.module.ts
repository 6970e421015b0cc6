import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import pretty from 'pino-pretty';
import type { DestinationStream } from 'pino';
import { ShortcutValidationPipe, VALIDATION_OPTIONS } from './common/validation-pipe';
import { APP_CONFIG, type AppConfig } from './config/app-config';
import { DatabaseModule } from './database/database.module';
import { DocsModule } from './docs/docs.module';
import type { OpenApiSpec } from './docs/openapi-spec';
import { HealthModule } from './health/health.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { batchedStdout } from './logging/line-batch';
import { requestLogOptions, usePrettyLogs } from './logging/log-options';
import { AppLoggerModule } from './logging/request-log';
import { MetricsEndpointModule, MetricsModule } from './metrics/metrics.module';
import { NumberListModule } from './number-list/number-list.module';
import { NumbersModule } from './numbers/numbers.module';
import { ReconcileModule } from './reconcile/reconcile.module';
import { ProblemDetailsFilter } from './problem/problem-details.filter';

export interface AppOptions {
  /** Where log lines go; standard output when not given. */
  readonly logDestination?: DestinationStream;
  /** The contract to serve at /api/docs and /api/openapi.*; `openapi/oc-numbers.yaml` when not given. */
  readonly specPath?: string;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, spec: OpenApiSpec, options: AppOptions = {}): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        // The request line comes from a Fastify hook (requestLog), not from middleware.
        AppLoggerModule.forRoot({
          pinoHttp: [requestLogOptions(config), options.logDestination ?? logDestination(config)],
        }),
        DatabaseModule.forRoot(config),
        NumbersModule,
        ReconcileModule,
        NumberListModule,
        LifecycleModule,
        HealthModule,
        MetricsModule,
        // An endpoint that is off is not served at all: a request to it is answered 404 like
        // any unknown path, whatever the authentication.
        ...(config.metricsAccess === 'off' ? [] : [MetricsEndpointModule]),
        ...(config.docsAccess === 'off' ? [] : [DocsModule.forRoot(spec)]),
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        {
          provide: APP_PIPE,
          useValue: new ShortcutValidationPipe(VALIDATION_OPTIONS),
        },
      ],
      exports: [APP_CONFIG],
    };
  }
}

/**
 * Standard output: JSON lines, or human-readable ones for a person at a terminal. JSON lines are
 * written once per turn of the event loop (see LineBatch): under load one write carries the
 * lines of many requests.
 */
function logDestination(config: AppConfig): DestinationStream {
  if (usePrettyLogs(config.logFormat, process.stdout.isTTY === true, config.nodeEnv)) {
    return pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  }
  return batchedStdout();
}
