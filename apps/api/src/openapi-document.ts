import 'reflect-metadata';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './config/app-config';
import { createApp } from './create-app';

/**
 * Prints the OpenAPI document that @nestjs/swagger builds from the controllers' decorators.
 * The contract in openapi/ stays the source; the contract suite compares the two so that the
 * code cannot drift from it. Needs no database of its own: a throw-away SQLite file serves.
 */
export async function decoratorDocument(): Promise<OpenAPIObject> {
  const dir = mkdtempSync(join(tmpdir(), 'oc-numbers-openapi-'));
  try {
    const app = await createApp(
      loadConfig({
        DATABASE_URL: `sqlite:${join(dir, 'empty.sqlite')}`,
        MIGRATIONS_RUN: 'true',
        LOG_LEVEL: 'silent',
        LOG_FORMAT: 'json',
      }),
      { specPath: join(__dirname, '..', 'openapi', 'oc-numbers.yaml') },
    );
    try {
      return SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('OC Numbers API').build());
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  decoratorDocument().then(
    (document) => process.stdout.write(`${JSON.stringify(document, null, 2)}\n`),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
