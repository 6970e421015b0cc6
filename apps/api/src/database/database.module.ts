import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AppConfig } from '../config/app-config';
import { DATABASE_POOLING, DatabaseDriver } from './database-driver';
import { applyMigrations } from './migration-lock';
import { serviceDataSourceOptions } from './data-source-options';
import { DatabaseOutage } from './database-unavailable';

/**
 * The connection to the database, for the whole application. Feature modules register their
 * entities with `TypeOrmModule.forFeature`; the few that need the driver itself inject
 * {@link DatabaseDriver}.
 */
@Module({})
export class DatabaseModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: async () => {
            const options = serviceDataSourceOptions(config);
            // PostgreSQL: the migrations run first, on their own connection (to the primary of
            // MIGRATIONS_DATABASE_URL when given) and in turn with other instances starting at
            // the same time, which would otherwise apply the same migration twice.
            const separately = options.type === 'postgres' && config.migrationsRun;
            if (separately) await applyMigrations(config);
            return {
              ...options,
              migrationsRun: separately ? false : options.migrationsRun,
              autoLoadEntities: true,
              // Fail the start at once rather than retrying a database that is not there, and
              // without the module's "Retrying (1)..." line: the start's failure is logged once,
              // by main.ts.
              retryAttempts: 0,
              toRetry: () => false,
            };
          },
        }),
      ],
      providers: [
        DatabaseDriver,
        DatabaseOutage,
        {
          provide: DATABASE_POOLING,
          useValue: { pooler: config.databasePooler, statementTimeoutMs: config.databaseStatementTimeoutMs },
        },
      ],
      exports: [DatabaseDriver, DatabaseOutage],
    };
  }
}
