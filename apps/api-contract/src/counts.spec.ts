import { expectedSummary, insertNumbers, type NumberRow } from '@oc-numbers/testing';
import fc from 'fast-check';
import { send } from './exchange';
import { REMOTE_BASE_URL, SEED } from './settings';
import { type Target, startTarget, targetNames } from './targets';

const PATH = '/api/v3/oc/numbers/removal-status/summary';
const TENANTS = 40;
const NUMBERS = 3000;

/** A random inventory: tenants, numbers without a tenant, every status and null statuses. */
const inventory = fc
  .tuple(
    fc.uniqueArray(fc.uuid(), { minLength: TENANTS, maxLength: TENANTS }),
    fc.array(
      fc.tuple(
        fc.option(fc.nat(TENANTS - 1), { nil: null, freq: 10 }),
        fc.option(fc.integer({ min: 0, max: 3 }), { nil: null, freq: 20 }),
      ),
      { minLength: NUMBERS, maxLength: NUMBERS },
    ),
  )
  .map(([tenants, rows]) => ({
    tenants,
    rows: rows.map(([tenant, status], i): NumberRow => ({
      telephoneNumber: `+4420${String(7_000_000 + i)}`,
      msTenantId: tenant === null ? null : tenants[tenant],
      removalStatus: status,
    })),
  }));

describe.each(targetNames())('the counts on %s', (name) => {
  let target: Target;

  beforeAll(async () => {
    target = await startTarget(name, { LOG_LEVEL: 'error' }, { prism: false });
  });
  afterAll(() => target?.stop());

  // Against --base-url the suite cannot write the data it would need to know the answer.
  const itOwned = REMOTE_BASE_URL ? it.skip : it;

  itOwned('equal an independent count, for all tenants and for each tenant', async () => {
    const database = target.database;
    if (!database) throw new Error('The suite owns no database here');
    const [{ tenants, rows }] = fc.sample(inventory, { seed: SEED, numRuns: 1 });
    await insertNumbers(database, rows);
    const summary = async (msTenantId?: string) =>
      (await send(target.baseUrl, { method: 'GET', path: PATH, query: msTenantId ? { msTenantId } : {} })).body;

    expect(await summary()).toEqual(expectedSummary(rows));
    for (const tenant of tenants) {
      expect({ tenant, summary: await summary(tenant.toUpperCase()) }).toEqual({
        tenant,
        summary: expectedSummary(rows, tenant),
      });
    }
  });
});
