import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfigOrExit } from './config/app-config';
import { dataSourceOptions } from './database/data-source-options';

/**
 * Runs the pending migrations on the database of DATABASE_URL and exits: for deployments that
 * start the service with MIGRATIONS_RUN=false, and for the workspace's tools (the seeder).
 */
async function migrate(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  // Migrations need no entities: they are plain SQL.
  const dataSource = new DataSource(dataSourceOptions({ ...config, migrationsRun: false }));
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations();
    process.stdout.write(
      applied.length === 0
        ? 'No pending migrations\n'
        : applied.map((migration) => `Applied ${migration.name}\n`).join(''),
    );
  } finally {
    await dataSource.destroy();
  }
}

migrate().catch((error: unknown) => {
  process.stderr.write(`Migrations failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
