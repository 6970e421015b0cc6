import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  createTestDatabase,
  LogCapture,
  type TestDatabase,
  type TestDatabaseKind,
  workspacePath,
} from '@oc-numbers/testing';
import type { Server } from 'node:http';
import { DataSource } from 'typeorm';
import { type AppConfig, loadConfig } from '../src/config/app-config';
import { createApp } from '../src/create-app';

export interface RunningApp {
  readonly app: NestFastifyApplication;
  readonly server: Server;
  readonly baseUrl: string;
  readonly dataSource: DataSource;
  readonly logs: LogCapture;
  readonly database: TestDatabase;
  close(): Promise<void>;
}

/**
 * nestjs-pino keeps one root logger per process, bound to the destination of the first app
 * created, so every app of a test file logs here; tests find their lines by ticket or trace id.
 */
const logs = new LogCapture();

/**
 * The real application on a fresh database of the given kind, listening on a free port, with
 * the default settings but for those given.
 */
export async function startApp(kind: TestDatabaseKind, settings: Partial<AppConfig> = {}): Promise<RunningApp> {
  const database = await createTestDatabase(kind);
  const config: AppConfig = {
    ...loadConfig({}),
    port: 0,
    host: '127.0.0.1',
    database: database.config,
    migrationsRun: true,
    logLevel: 'info',
    logFormat: 'json',
    ...settings,
  };
  const app = await createApp(config, {
    logDestination: logs,
    specPath: workspacePath('openapi', 'oc-numbers.yaml'),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const server = app.getHttpServer() as Server;
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('The app is not listening');
  return {
    app,
    server,
    baseUrl: `http://127.0.0.1:${address.port}`,
    dataSource: app.get(DataSource),
    logs,
    database,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

/**
 * The app of the tests of the enclosing `describe`: started before them (on a fresh database of
 * the given kind, with these settings) and closed after them. Call the result inside a test.
 */
export function useApp(kind: TestDatabaseKind, settings: Partial<AppConfig> = {}): () => RunningApp {
  let running: RunningApp | undefined;
  beforeAll(async () => {
    running = await startApp(kind, settings);
  });
  afterAll(() => running?.close());
  return () => {
    if (!running) throw new Error('The app is not running: useApp() starts it before the tests of its describe');
    return running;
  };
}
