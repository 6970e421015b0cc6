import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { resolve } from 'node:path';
import { loadConfigOrExit } from './config/app-config';
import { createApp } from './create-app';
import { databaseLabel } from './database/dialect';
import { type StartupLogger, startupLogger } from './logging/startup-logger';

/** The contract the build copies beside the compiled service (dist/apps/api/openapi/). */
const SPEC_PATH = resolve(__dirname, '..', 'openapi', 'oc-numbers.yaml');

/** JSON lines for a start that fails, when logs are JSON; set once the settings are read. */
let startup: StartupLogger | undefined;

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(process.env, { service: true });
  startup = startupLogger(config);
  const app = await createApp(config, { specPath: SPEC_PATH, startupLogger: startup });
  await app.listen({ port: config.port, host: config.host });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const shown = ['0.0.0.0', '::'].includes(config.host) ? 'localhost' : config.host;
  const logger = new Logger('Bootstrap');
  logger.log(`OC Numbers listening on http://${shown}:${port} (${databaseLabel(config.database)})`);

  // Stop accepting connections, let requests in flight finish (for at most SHUTDOWN_TIMEOUT_MS),
  // close the database, exit 0.
  const { shutdownTimeoutMs } = config;
  const shutdown = (signal: NodeJS.Signals) => {
    logger.log(`${signal} received: shutting down, waiting up to ${shutdownTimeoutMs} ms for requests in flight`);
    setTimeout(() => {
      logger.error(`Requests were still in flight after ${shutdownTimeoutMs} ms: exiting without them`);
      process.exit(1);
    }, shutdownTimeoutMs).unref();
    app.close().then(
      () => {
        logger.log('Shut down: every request answered, database closed');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

bootstrap().catch((error: unknown) => {
  const message = `OC Numbers could not start: ${error instanceof Error ? error.message : String(error)}`;
  if (startup) startup.fatal(message, 'Bootstrap');
  else process.stderr.write(`${message}\n`);
  process.exit(1);
});
