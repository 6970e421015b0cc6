import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AppConfig } from '../config/app-config';
import { DatabaseDriver } from './database-driver';
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
        TypeOrmModule.forRoot({
          ...serviceDataSourceOptions(config),
          autoLoadEntities: true,
          // Fail the start at once rather than retrying a database that is not there, and without
          // the module's "Retrying (1)..." line: the start's failure is logged once, by main.ts.
          retryAttempts: 0,
          toRetry: () => false,
        }),
      ],
      providers: [DatabaseDriver, DatabaseOutage],
      exports: [DatabaseDriver, DatabaseOutage],
    };
  }
}
