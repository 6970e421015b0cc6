import type { IncomingMessage } from 'node:http';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppOptions } from './app.module';
import type { AppConfig } from './config/app-config';
import { MetricsService } from './metrics/metrics.service';
import { applyProtection, REQUEST_LIMITS } from './protection/protection';
import { TRACE_ID_HEADER, traceIdOf } from './problem/trace-id';

/**
 * Builds the application (without listening), the same way for `main.ts` and for tests.
 * Migrations run during `init()` unless the config turns them off.
 */
export async function createApp(config: AppConfig, options: AppOptions = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    genReqId: (req: IncomingMessage) => traceIdOf(req),
    // Log lines come from nestjs-pino; Fastify's own logger stays off.
    logger: false,
    trustProxy: trustProxyOption(config.trustProxy),
    ...REQUEST_LIMITS,
  });
  adapter.getInstance().addHook('onRequest', async (request, reply) => {
    reply.header(TRACE_ID_HEADER, request.id);
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, options), adapter, {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.get(MetricsService).instrument(adapter.getInstance());
  await applyProtection(app, config);
  await app.init();
  return app;
}

/** Fastify's `trustProxy`: a hop count becomes the function that trusts that many hops. */
function trustProxyOption(trust: AppConfig['trustProxy']) {
  if (typeof trust === 'number') return (_address: string, hop: number) => hop < trust;
  return typeof trust === 'object' ? [...trust] : trust;
}
