import { type DynamicModule, Module, RequestMethod, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { APP_CONFIG, type AppConfig } from './config/app-config';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { NumbersModule } from './numbers/numbers.module';
import { ProblemDetailsFilter } from './problem/problem-details.filter';
import { traceIdOf } from './problem/trace-id';
import { validationProblem } from './problem/validation-problem';

export interface AppOptions {
  /** Where log lines go; standard output when not given. */
  readonly logDestination?: DestinationStream;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppOptions = {}): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        LoggerModule.forRoot({
          // The module's default route pattern does not match under Fastify: name every route.
          forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
          pinoHttp: [
            {
              level: config.logLevel,
              genReqId: (req) => traceIdOf(req),
              customProps: (req) => ({ traceId: traceIdOf(req) }),
              redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'] },
            },
            options.logDestination ?? process.stdout,
          ],
        }),
        DatabaseModule.forRoot(config),
        NumbersModule,
        HealthModule,
        MetricsModule,
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        {
          provide: APP_PIPE,
          useValue: new ValidationPipe({
            transform: true,
            whitelist: true,
            forbidNonWhitelisted: false,
            stopAtFirstError: true,
            exceptionFactory: validationProblem,
          }),
        },
      ],
      exports: [APP_CONFIG],
    };
  }
}
