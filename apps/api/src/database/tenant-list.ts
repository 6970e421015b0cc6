import type { Dialect } from './dialect';

/**
 * A condition that `column` (a tenant id) is one of a list of tenants given as one parameter at
 * `placeholder`: an array on PostgreSQL, a JSON array on SQLite (see tenantListValue). One
 * statement text whatever the list's length, so a prepared statement serves every list; an empty
 * list matches nothing (and never a NULL tenant).
 */
export function tenantInList(dialect: Dialect, column: string, placeholder: string): string {
  return dialect === 'postgres'
    ? `${column} = ANY(${placeholder}::uuid[])`
    : `${column} IN (SELECT value FROM json_each(${placeholder}))`;
}

/** The parameter of tenantInList: lower-case GUIDs. */
export function tenantListValue(dialect: Dialect, tenants: readonly string[]): string[] | string {
  return dialect === 'postgres' ? [...tenants] : JSON.stringify(tenants);
}
