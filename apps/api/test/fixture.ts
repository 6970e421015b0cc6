import { expectedSummary as summaryOf, type NumberRow } from '@oc-numbers/testing';
import type { DataSource } from 'typeorm';

export const TENANT_A = '6f9619ff-8b86-d011-b42d-00cf4fc964ff';
export const TENANT_B = '0f8fad5b-d9cb-469f-a165-70867728950e';
export const TENANT_C = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
/** A tenant with numbers, none of them in removal. */
export const TENANT_IDLE = 'a1b2c3d4-0000-4000-8000-000000000001';
/** A GUID no number belongs to. */
export const TENANT_UNKNOWN = 'deadbeef-dead-beef-dead-beefdeadbeef';

/**
 * How many numbers of each status (0 Active, 1 ReleaseRequested, 2 MarkedForRemoval,
 * 3 ReadyForRemoval, or none) each tenant has: every status, several tenants, numbers without a
 * tenant (null), and numbers without a status.
 */
const COUNTS: ReadonlyArray<readonly [string | null, Partial<Record<0 | 1 | 2 | 3 | 'none', number>>]> = [
  [TENANT_A, { 0: 5, 1: 2, 2: 3, 3: 1 }],
  [TENANT_B, { 2: 4, none: 2 }],
  [TENANT_C, { 1: 1, 3: 6 }],
  [TENANT_IDLE, { 0: 3, 1: 3 }],
  [null, { 0: 4, 2: 2, 3: 1 }],
];

/** The fixture's numbers, one row each. */
export const FIXTURE: readonly NumberRow[] = COUNTS.flatMap(([msTenantId, byStatus]) =>
  Object.entries(byStatus).flatMap(([status, count]) =>
    Array.from({ length: count }, () => ({ msTenantId, removalStatus: status === 'none' ? null : Number(status) })),
  ),
).map((row, i) => ({ telephoneNumber: `+1425555${String(i + 1).padStart(4, '0')}`, ...row }));

/** The summary the fixture must give, counted independently of the service. */
export function expectedSummary(tenant?: string) {
  return summaryOf(FIXTURE, tenant);
}

/** Writes the fixture with plain SQL, as the operator's sync job would. */
export async function seedFixture(dataSource: DataSource): Promise<void> {
  const p = (i: number) => (dataSource.options.type === 'postgres' ? `$${i}` : '?');
  for (const { telephoneNumber, msTenantId, removalStatus } of FIXTURE) {
    await dataSource.query(
      `INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) VALUES (${p(1)}, ${p(2)}, ${p(3)})`,
      [telephoneNumber, msTenantId, removalStatus],
    );
  }
}
