import { Random } from './random';

/** The share of numbers in each status; the rest are Active (0). */
export interface StatusMix {
  /** Status 2. */
  readonly markedForRemoval: number;
  /** Status 3. */
  readonly readyForRemoval: number;
  /** Status 1. */
  readonly releaseRequested: number;
  /** No status at all (an old row; means Active). */
  readonly noStatus: number;
}

export const DEFAULT_MIX: StatusMix = {
  markedForRemoval: 0.01,
  readyForRemoval: 0.005,
  releaseRequested: 0.01,
  noStatus: 0.005,
};

export interface InventoryOptions {
  readonly numbers: number;
  readonly tenants: number;
  readonly seed: number;
  readonly mix: StatusMix;
  /** The share of number blocks that belong to no tenant. */
  readonly withoutTenant: number;
}

/** Receives the rows; times are milliseconds since the epoch. */
export interface RowSink {
  row(
    telephoneNumber: string,
    msTenantId: string | null,
    removalStatus: number | null,
    createdAt: number,
    updatedAt: number,
    removalStatusChangedAt: number | null,
  ): void;
}

export interface InventoryCounts {
  rows: number;
  active: number;
  noStatus: number;
  releaseRequested: number;
  markedForRemoval: number;
  readyForRemoval: number;
  withoutTenant: number;
}

/**
 * Real geographic number ranges: country code and area code, the digits that follow, and the
 * first digit those may start with; weights give the mix of countries.
 */
const RANGES: ReadonlyArray<{ prefix: string; digits: number; first: [number, number]; weight: number }> = [
  { prefix: '+1206', digits: 7, first: [2, 9], weight: 5 }, // US, Seattle
  { prefix: '+1425', digits: 7, first: [2, 9], weight: 5 }, // US, Redmond
  { prefix: '+1212', digits: 7, first: [2, 9], weight: 5 }, // US, New York
  { prefix: '+1312', digits: 7, first: [2, 9], weight: 5 }, // US, Chicago
  { prefix: '+1415', digits: 7, first: [2, 9], weight: 5 }, // US, San Francisco
  { prefix: '+1617', digits: 7, first: [2, 9], weight: 4 }, // US, Boston
  { prefix: '+1713', digits: 7, first: [2, 9], weight: 4 }, // US, Houston
  { prefix: '+1416', digits: 7, first: [2, 9], weight: 4 }, // Canada, Toronto
  { prefix: '+44207', digits: 7, first: [0, 9], weight: 8 }, // United Kingdom, London
  { prefix: '+44161', digits: 7, first: [2, 9], weight: 3 }, // United Kingdom, Manchester
  { prefix: '+4930', digits: 8, first: [1, 9], weight: 6 }, // Germany, Berlin
  { prefix: '+4989', digits: 8, first: [1, 9], weight: 3 }, // Germany, Munich
  { prefix: '+331', digits: 8, first: [1, 9], weight: 6 }, // France, Paris
  { prefix: '+3120', digits: 7, first: [1, 9], weight: 3 }, // Netherlands, Amsterdam
  { prefix: '+3491', digits: 7, first: [1, 9], weight: 3 }, // Spain, Madrid
  { prefix: '+3902', digits: 8, first: [1, 9], weight: 3 }, // Italy, Milan
  { prefix: '+468', digits: 8, first: [1, 9], weight: 2 }, // Sweden, Stockholm
  { prefix: '+612', digits: 8, first: [2, 9], weight: 4 }, // Australia, Sydney
  { prefix: '+613', digits: 8, first: [2, 9], weight: 3 }, // Australia, Melbourne
  { prefix: '+813', digits: 8, first: [1, 9], weight: 4 }, // Japan, Tokyo
  { prefix: '+9122', digits: 8, first: [2, 9], weight: 2 }, // India, Mumbai
  { prefix: '+5511', digits: 8, first: [2, 5], weight: 2 }, // Brazil, São Paulo
  { prefix: '+656', digits: 7, first: [0, 9], weight: 2 }, // Singapore
  { prefix: '+2711', digits: 7, first: [1, 9], weight: 1 }, // South Africa, Johannesburg
];

/** What the ranges can hold; the seeder refuses more. */
export const MAX_NUMBERS = 100_000_000;

const FROM = Date.UTC(2023, 0, 1);
const UNTIL = Date.UTC(2026, 0, 1);

/** The tenants of an inventory, the same for the same seed and count (the benchmark asks them). */
export function tenantIds(seed: number, count: number): string[] {
  const random = new Random(seed ^ 0x5eed7e4a);
  return Array.from({ length: count }, () => random.guid());
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * A synthetic inventory like an operator's: numbers come in blocks of consecutive numbers
 * (as they are bought and assigned), scattered over real ranges of many countries; each block
 * belongs to one tenant or to none, a few big tenants hold much and many small ones little;
 * statuses follow the mix. Everything follows from the seed; numbers never repeat.
 *
 * The rows come out in the order of their numbers (as an import of the operator's ranges
 * would), so a database adds each one at the end of its unique index on `telephone_number`
 * instead of at a random place, which keeps seeding fast at any size.
 */
export class Inventory {
  readonly counts: InventoryCounts = {
    rows: 0,
    active: 0,
    noStatus: 0,
    releaseRequested: 0,
    markedForRemoval: 0,
    readyForRemoval: 0,
    withoutTenant: 0,
  };
  readonly blockSize: number;
  private readonly random: Random;
  private readonly tenants: string[];
  /** The ranges in the order of their numbers, each with the sorted first numbers of its blocks. */
  private readonly ranges: Array<{ prefix: string; digits: number; starts: Float64Array }>;
  private range = 0;
  private blockInRange = 0;
  private readonly thresholds: [number, number, number, number];

  constructor(private readonly options: InventoryOptions) {
    const {
      markedForRemoval: marked,
      readyForRemoval: ready,
      releaseRequested: released,
      noStatus: none,
    } = options.mix;
    if (marked + ready + released + none > 1) throw new RangeError('The status shares add up to more than 1');
    this.thresholds = [marked, marked + ready, marked + ready + released, marked + ready + released + none];
    this.random = new Random(options.seed);
    this.tenants = tenantIds(options.seed, options.tenants);
    this.blockSize = Math.max(1, Math.min(100, Math.floor(options.numbers / (options.tenants * 4))));

    // How many blocks each range gets, by weight; a full range hands on to the next one.
    const slots = RANGES.map((range) =>
      Math.floor(((range.first[1] - range.first[0] + 1) * 10 ** (range.digits - 1)) / this.blockSize),
    );
    const blocks = RANGES.map(() => 0);
    let sum = 0;
    const weights = RANGES.map((range) => (sum += range.weight));
    for (let b = Math.ceil(options.numbers / this.blockSize); b > 0; b--) {
      const target = this.random.next() * sum;
      let index = weights.findIndex((w) => target < w);
      for (let tries = 0; blocks[index] >= slots[index]; tries++) {
        if (tries > RANGES.length) throw new RangeError('The number ranges are full');
        index = (index + 1) % RANGES.length;
      }
      blocks[index] += 1;
    }
    // Which blocks of each range: distinct slots from a seeded affine permutation, sorted.
    this.ranges = RANGES.map((range, r) => {
      const n = slots[r];
      let a = 1 + this.random.below(n - 1);
      while (gcd(a, n) !== 1) a = 1 + this.random.below(n - 1);
      const b = this.random.below(n);
      const base = range.first[0] * 10 ** (range.digits - 1);
      const starts = new Float64Array(blocks[r]);
      for (let k = 0; k < blocks[r]; k++) starts[k] = base + ((a * k + b) % n) * this.blockSize;
      return { prefix: range.prefix, digits: range.digits, starts: starts.sort() };
    }).sort((x, y) => (x.prefix < y.prefix ? -1 : 1));
  }

  get done(): boolean {
    return this.counts.rows >= this.options.numbers;
  }

  /** Writes the next blocks, at least `rows` rows unless the inventory ends first; returns how many. */
  fill(sink: RowSink, rows: number): number {
    const start = this.counts.rows;
    while (!this.done && this.counts.rows - start < rows) this.block(sink);
    return this.counts.rows - start;
  }

  private block(sink: RowSink): void {
    while (this.blockInRange >= this.ranges[this.range].starts.length) {
      this.range += 1;
      this.blockInRange = 0;
    }
    const range = this.ranges[this.range];
    const first = range.starts[this.blockInRange++];
    const random = this.random;
    const size = Math.min(this.blockSize, this.options.numbers - this.counts.rows);
    const tenant =
      random.next() < this.options.withoutTenant
        ? null
        : this.tenants[Math.floor(this.tenants.length * random.next() ** 2)];
    const createdAt = FROM + random.below(UNTIL - FROM);
    const counts = this.counts;
    const [t2, t3, t1, tNull] = this.thresholds;
    for (let i = 0; i < size; i++) {
      const u = random.next();
      const status = u < t2 ? 2 : u < t3 ? 3 : u < t1 ? 1 : u < tNull ? null : 0;
      let changedAt: number | null = null;
      if (status === null) counts.noStatus += 1;
      else if (status === 0) counts.active += 1;
      else {
        if (status === 2) counts.markedForRemoval += 1;
        else if (status === 3) counts.readyForRemoval += 1;
        else counts.releaseRequested += 1;
        changedAt = createdAt + random.below(UNTIL - createdAt);
      }
      if (tenant === null) counts.withoutTenant += 1;
      counts.rows += 1;
      sink.row(
        range.prefix + String(first + i).padStart(range.digits, '0'),
        tenant,
        status,
        createdAt,
        changedAt ?? createdAt,
        changedAt,
      );
    }
  }
}
