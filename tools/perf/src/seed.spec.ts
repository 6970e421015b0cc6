import { Client } from 'pg';
import { createTestDatabase, Sqlite as Database, TEST_DATABASE_KINDS, type TestDatabase } from '@oc-numbers/testing';
import { UsageError } from './args';
import { databaseTarget } from './database';
import { DEFAULT_MIX, Inventory, type InventoryOptions, tenantIds } from './inventory';
import { NotEmptyError, seed } from './seed';
import { main, parseSeedArgs } from './seed-cli';

type Row = [string, string | null, number | null];

function generate(options: InventoryOptions): Row[] {
  const rows: Row[] = [];
  const inventory = new Inventory(options);
  inventory.fill({ row: (number, tenant, status) => rows.push([number, tenant, status]) }, options.numbers);
  return rows;
}

const SMALL: InventoryOptions = { numbers: 1000, tenants: 20, seed: 42, mix: DEFAULT_MIX, withoutTenant: 0.05 };

describe('the inventory', () => {
  it('is the same for the same seed and differs for another', () => {
    expect(generate(SMALL)).toEqual(generate(SMALL));
    expect(generate({ ...SMALL, seed: 43 })).not.toEqual(generate(SMALL));
  });

  it('holds unique E.164 numbers, tenants from its list, and every status', () => {
    const options = { ...SMALL, numbers: 20_000, mix: { ...DEFAULT_MIX, markedForRemoval: 0.05, noStatus: 0.02 } };
    const rows = generate(options);
    expect(rows).toHaveLength(20_000);
    expect(new Set(rows.map(([n]) => n)).size).toBe(20_000);
    expect(rows.filter(([number]) => !/^\+[1-9]\d{1,14}$/.test(number))).toEqual([]);
    const tenants = new Set(tenantIds(options.seed, options.tenants));
    expect(rows.filter(([, tenant]) => tenant !== null && !tenants.has(tenant))).toEqual([]);
    expect(new Set(rows.map(([, , status]) => status))).toEqual(new Set([0, 1, 2, 3, null]));
    expect(rows.some(([, tenant]) => tenant === null)).toBe(true);
  });

  it('comes in the order of its numbers, in blocks of consecutive numbers', () => {
    const numbers = generate(SMALL).map(([n]) => n);
    expect([...numbers].sort()).toEqual(numbers);
    const inventory = new Inventory(SMALL);
    expect(inventory.blockSize).toBe(12);
    expect(Number(numbers[1].slice(-6)) - Number(numbers[0].slice(-6))).toBe(1);
  });

  it('makes tenants as GUIDs, lower-case', () => {
    for (const id of tenantIds(1, 50))
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('the seed command line', () => {
  const env = { DATABASE_URL: 'sqlite:tmp/x.sqlite' };

  it.each([
    [['--numbers'], /--numbers needs a value/],
    [['--numbers', 'lots'], /--numbers must be a whole number/],
    [['--numbers', '0'], /--numbers must be a whole number from 1/],
    [['--numbers', '200m'], /--numbers must be a whole number from 1 to 100000000/],
    [['--tenants=-3'], /--tenants must be a whole number/],
    [['--marked-for-removal', '2'], /--marked-for-removal must be a fraction/],
    [['--marked-for-removal', '60%', '--ready-for-removal', '50%'], /add up to more than 1/],
    [['--database-url', 'mysql://x'], /sqlite:<path> or postgres:/],
    [['--frobnicate'], /Unknown option --frobnicate/],
    [['10000'], /Unexpected argument "10000"/],
    [['--reset=yes'], /--reset takes no value/],
    [['--seed', '1', '--seed', '2'], /given twice/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseSeedArgs(argv, env)).toThrow(UsageError);
    expect(() => parseSeedArgs(argv, env)).toThrow(message);
  });

  it('reads counts with suffixes and defaults the rest', () => {
    const options = parseSeedArgs(['--numbers', '10m', '--tenants=10k', '--ready-for-removal', '1.5%'], env);
    expect(options).toMatchObject({
      numbers: 10_000_000,
      tenants: 10_000,
      seed: 1,
      mix: { ...DEFAULT_MIX, readyForRemoval: 0.015 },
      reset: false,
      progress: true,
    });
    expect(options !== 'help' && options.target.kind).toBe('sqlite');
  });

  it('exits with status 2 and the usage on a bad argument', async () => {
    let out = '';
    let err = '';
    const code = await main(['--numbers', 'x'], env, {
      out: { write: (text: string) => (out += text) },
      err: { write: (text: string) => (err += text) },
    });
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/^seed: --numbers must be a whole number/);
    expect(err).toContain('Usage: npm run seed -- [options]');
  });
});

describe.each(TEST_DATABASE_KINDS)('seeding %s', (kind) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(() => database?.drop());

  async function query<T>(sql: string): Promise<T[]> {
    if (database.config.type === 'better-sqlite3') {
      const db = new Database(database.config.path, { readonly: true });
      try {
        return db.prepare(sql).all() as T[];
      } finally {
        db.close();
      }
    }
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query(sql)).rows as T[];
    } finally {
      await client.end();
    }
  }

  const run = (extra: { reset?: boolean; seed?: number } = {}) =>
    seed({ ...SMALL, target: databaseTarget(database.url), reset: false, progress: false, ...extra });

  it('migrates an empty database and writes the inventory the seed gives', async () => {
    const result = await run();
    expect(result.counts.rows).toBe(1000);
    const rows = await query<{ n: string; t: string | null; s: number | string | null }>(
      'SELECT telephone_number AS n, ms_tenant_id AS t, removal_status AS s FROM oc_numbers ORDER BY telephone_number',
    );
    const expected = generate(SMALL).sort(([a], [b]) => (a < b ? -1 : 1));
    expect(rows.map(({ n, t, s }) => [n, t, s === null ? null : Number(s)])).toEqual(expected);
  });

  it('leaves counts that match the rows', async () => {
    const [counted] = await query<{ m: string; r: string }>(
      'SELECT COUNT(CASE WHEN removal_status = 2 THEN 1 END) AS m, COUNT(CASE WHEN removal_status = 3 THEN 1 END) AS r FROM oc_numbers',
    );
    const [kept] = await query<{ m: string; r: string }>(
      'SELECT SUM(marked_for_removal) AS m, SUM(ready_for_removal) AS r FROM oc_numbers_removal_totals',
    );
    expect([Number(kept.m), Number(kept.r)]).toEqual([Number(counted.m), Number(counted.r)]);
    expect(Number(counted.m)).toBeGreaterThan(0);
  });

  it('leaves the constraints of the table as the migrations made them', async () => {
    const [{ n }] = await query<{ n: string }>('SELECT telephone_number AS n FROM oc_numbers LIMIT 1');
    const insert = `INSERT INTO oc_numbers (telephone_number) VALUES ('${n}')`;
    if (database.config.type === 'better-sqlite3') {
      const db = new Database(database.config.path);
      try {
        expect(() => db.exec(insert)).toThrow(/UNIQUE/);
      } finally {
        db.close();
      }
    } else {
      await expect(query(insert)).rejects.toThrow(/uq_oc_numbers_telephone_number/);
      const indexes = await query<{ indexname: string }>(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'oc_numbers' ORDER BY indexname",
      );
      expect(indexes.map((i) => i.indexname)).toEqual([
        'ix_oc_numbers_in_lifecycle',
        'ix_oc_numbers_in_removal',
        'ix_oc_numbers_tenant_number',
        'oc_numbers_pkey',
        'uq_oc_numbers_telephone_number',
      ]);
    }
  });

  it('refuses a table that holds numbers, and replaces them with --reset', async () => {
    await expect(run()).rejects.toThrow(NotEmptyError);
    await run({ reset: true, seed: 7 });
    const [{ c }] = await query<{ c: string }>('SELECT COUNT(*) AS c FROM oc_numbers');
    expect(Number(c)).toBe(1000);
  });
});
