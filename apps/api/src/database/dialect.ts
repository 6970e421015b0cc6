import type { DataSource, QueryRunner } from 'typeorm';

/** Migrations and queries that differ between the two databases ask this. */
export function isPostgres(source: QueryRunner | DataSource): boolean {
  const options = 'connection' in source ? source.connection.options : source.options;
  return options.type === 'postgres';
}
