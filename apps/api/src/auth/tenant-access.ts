import { ProblemException } from '../problem/problem';
import { problem } from '../problem/problem-catalogue';
import type { TenantScope } from './caller';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The 403 of a tenant the caller named but does not reach. The same answer whether the tenant
 * has numbers or not, so that it tells nothing about tenants outside the caller's scope.
 */
export function tenantForbidden(): ProblemException {
  return new ProblemException(problem('TENANT_FORBIDDEN'));
}

/** Refuses (403 TENANT_FORBIDDEN) a tenant the caller named (any letter case) and does not reach. */
export function requireTenant(scope: TenantScope, msTenantId: string): void {
  const tenants = scopedTenants(scope);
  if (tenants !== undefined && !tenants.includes(msTenantId.toLowerCase())) throw tenantForbidden();
}

/**
 * The tenants a limited scope reaches, as the queries filter by them: lower-case GUIDs, sorted,
 * without repeats (a value that is not a GUID names no tenant the inventory can hold, and is left
 * out); undefined for a scope that reaches every tenant, whose queries take no tenant condition.
 */
export function scopedTenants(scope: TenantScope): readonly string[] | undefined {
  if (scope.all) return undefined;
  return [...new Set(scope.tenants.map((tenant) => tenant.toLowerCase()).filter((tenant) => GUID.test(tenant)))].sort();
}
