import type { DataSource } from 'typeorm';
import { isPostgres } from '../src/database/dialect';
import { RemovalStatus } from '../src/numbers/removal-status';

export const TENANT_A = '6f9619ff-8b86-d011-b42d-00cf4fc964ff';
export const TENANT_B = '0f8fad5b-d9cb-469f-a165-70867728950e';
export const TENANT_C = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
/** A tenant with numbers, none of them in removal. */
export const TENANT_IDLE = 'a1b2c3d4-0000-4000-8000-000000000001';
/** A GUID no number belongs to. */
export const TENANT_UNKNOWN = 'deadbeef-dead-beef-dead-beefdeadbeef';

const { Active, ReleaseRequested, MarkedForRemoval, ReadyForRemoval } = RemovalStatus;

/** [tenant, status, how many]: every status, several tenants, numbers without a tenant, and null statuses. */
export const FIXTURE: ReadonlyArray<readonly [string | null, number | null, number]> = [
  [TENANT_A, Active, 5],
  [TENANT_A, ReleaseRequested, 2],
  [TENANT_A, MarkedForRemoval, 3],
  [TENANT_A, ReadyForRemoval, 1],
  [TENANT_B, MarkedForRemoval, 4],
  [TENANT_B, null, 2],
  [TENANT_C, ReadyForRemoval, 6],
  [TENANT_C, ReleaseRequested, 1],
  [TENANT_IDLE, Active, 3],
  [TENANT_IDLE, ReleaseRequested, 3],
  [null, MarkedForRemoval, 2],
  [null, ReadyForRemoval, 1],
  [null, Active, 4],
];

/** The summary the fixture must give, counted here independently of the service. */
export function expectedSummary(tenant?: string) {
  const rows = FIXTURE.filter(([t]) => tenant === undefined || t === tenant.toLowerCase());
  const count = (status: number) => rows.filter(([, s]) => s === status).reduce((sum, [, , n]) => sum + n, 0);
  const markedForRemovalCount = count(MarkedForRemoval);
  const readyForRemovalCount = count(ReadyForRemoval);
  return { markedForRemovalCount, readyForRemovalCount, totalCount: markedForRemovalCount + readyForRemovalCount };
}

/** Writes the fixture with plain SQL, as the operator's sync job would. */
export async function seedFixture(dataSource: DataSource): Promise<void> {
  const p = (i: number) => (isPostgres(dataSource) ? `$${i}` : '?');
  let n = 0;
  for (const [tenant, status, count] of FIXTURE) {
    for (let i = 0; i < count; i++) {
      n += 1;
      const number = `+1425555${String(n).padStart(4, '0')}`;
      await dataSource.query(
        `INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) VALUES (${p(1)}, ${p(2)}, ${p(3)})`,
        [number, tenant, status],
      );
    }
  }
}
