import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AppConfig } from '../config/app-config';
import { DATABASE_POOLING, DatabaseDriver } from './database-driver';
import { applyMigrations } from './migration-lock';
import {
  postgresPoolConfig,
  READ_APPLICATION_NAME,
  REPLICA_CHECK_APPLICATION_NAME,
  serviceDataSourceOptions,
} from './data-source-options';
import { DatabaseOutage } from './database-unavailable';
import { ReadReplica, type ReadReplicaOptions } from './read-replica';

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
        { provide: ReadReplica, useFactory: () => new ReadReplica(readReplicaOptions(config)) },
        {
          provide: DATABASE_POOLING,
          useValue: { pooler: config.databasePooler, statementTimeoutMs: config.databaseStatementTimeoutMs },
        },
      ],
      exports: [DatabaseDriver, DatabaseOutage, ReadReplica],
    };
  }
}

/** The read replica's pool and the connections that measure its lag, when DATABASE_READ_URL is set. */
export function readReplicaOptions(config: AppConfig): ReadReplicaOptions | undefined {
  const replica = config.readReplica;
  if (replica === undefined || config.database.type !== 'postgres') return undefined;
  // The measurement waits no longer for an answer than for a connection: a replica that cannot
  // answer a trivial query in that time is unavailable.
  const checkOn = (database: typeof replica.database) => ({
    ...postgresPoolConfig(config, database, REPLICA_CHECK_APPLICATION_NAME),
    query_timeout: config.databaseConnectTimeoutMs,
  });
  return {
    pool: postgresPoolConfig(config, replica.database, READ_APPLICATION_NAME),
    check: { primary: checkOn(config.database), replica: checkOn(replica.database) },
    summaryFromReplica: replica.summaryFromReplica,
    maxLagMs: replica.maxLagMs,
    checkIntervalMs: replica.checkIntervalMs,
  };
}
