import { formatCount } from './args';
import {
  type BenchFile,
  type DatabaseKind,
  LIST_SCENARIOS,
  PAST_ONE_INSTANCE,
  PAST_ONE_INSTANCE_SCENARIOS,
  describeRouting,
  type RunRecord,
  SCENARIO_TITLES,
  type ScenarioName,
} from './bench';
import { machineLine } from './machine';
import {
  describeFailures,
  describeLockWaits,
  type VariantRecord,
  WORKLOAD_TITLES,
  type WriteMode,
  type WriteRunRecord,
} from './writes';

const NAMES: ScenarioName[] = [
  'bare',
  'raw',
  'bareQuery',
  'live',
  'liveSilent',
  'liveNoRateLimit',
  'ready',
  'summaryAll',
  'summaryTenant',
  'summaryAllJwt',
  'summaryTenantJwt',
  'listFirst',
  'listDeep',
  'listInRemoval',
  'listInRemovalDeep',
  'listTenant',
  'listPrefix',
  'tenants',
];
const DATABASES: Array<[DatabaseKind, string]> = [
  ['postgres', 'PostgreSQL'],
  ['sqlite', 'SQLite'],
];

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '–');
const ratio = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '–');
/** A goal's ratio: with a third decimal where two would show the bound itself (0.596 is not 0.60). */
const goalRatio = (n: number, bound: number) =>
  Number.isFinite(n) && n !== bound && n.toFixed(2) === bound.toFixed(2) ? n.toFixed(3) : ratio(n);
const mark = (ok: boolean) => (ok ? 'yes' : '**no**');

function runsOf(file: BenchFile, database: DatabaseKind): RunRecord[] {
  return Object.values(file.runs)
    .filter((run) => run.database === database)
    .sort((a, b) => a.numbers - b.numbers);
}

/** The targets: at the largest size against its own ceilings, and latency against the smallest size. */
function targets(runs: RunRecord[]): string[] {
  if (runs.length === 0) return [];
  const largest = runs[runs.length - 1];
  const smallest = runs[0];
  const ready = largest.scenarios.ready.median;
  const lines = [
    `| at ${formatCount(largest.numbers)} numbers | req/s ≥ 90% of readiness | p99 ≤ 1.5× readiness p99 | no errors | ` +
      `p50 ≤ 1.25× p50 at ${formatCount(smallest.numbers)} | the same, each p50 over its run's trivial p50 |`,
    '|---|---|---|---|---|---|',
  ];
  for (const name of ['summaryAll', 'summaryTenant'] as const) {
    const s = largest.scenarios[name].median;
    const small = smallest.scenarios[name].median;
    const rps = s.requestsPerSecond / ready.requestsPerSecond;
    const p99 = s.p99 / ready.p99;
    const growth = s.p50 / small.p50;
    // The runs of two sizes are minutes apart; dividing by the trivial endpoint's p50 of the
    // same run takes out what the machine did meanwhile.
    const relative = s.p50 / largest.scenarios.live.median.p50 / (small.p50 / smallest.scenarios.live.median.p50);
    lines.push(
      `| ${SCENARIO_TITLES[name]} | ${mark(rps >= 0.9)} (${ratio(rps)}) | ${mark(p99 <= 1.5)} (${ratio(p99)}) | ` +
        `${mark(s.errors === 0)} (${s.errors}) | ${mark(growth <= 1.25)} (${ratio(growth)}) | ` +
        `${mark(relative <= 1.25)} (${ratio(relative)}) |`,
    );
  }
  const listed = LIST_SCENARIOS.filter((name) => largest.scenarios[name] !== undefined);
  if (listed.length > 0) {
    lines.push(
      '',
      `| at ${formatCount(largest.numbers)} numbers | p99 ≤ 1.5× readiness p99 | no errors |`,
      '|---|---|---|',
    );
    for (const name of listed) {
      const s = largest.scenarios[name]?.median;
      if (s === undefined) continue;
      const p99 = s.p99 / ready.p99;
      lines.push(
        `| ${SCENARIO_TITLES[name]} | ${mark(p99 <= 1.5)} (${ratio(p99)}) | ${mark(s.errors === 0)} (${s.errors}) |`,
      );
    }
  }
  return lines;
}

const maxMs = (m: { max?: number }) => (m.max === undefined ? '–' : ms(m.max));

/** Every row against the ceilings of its run, where the run measured them. */
function ceilingLines(runs: RunRecord[]): string[] {
  const measured = runs.filter((run) => run.scenarios.bare && run.scenarios.raw);
  if (measured.length === 0) return [];
  const lines = [
    '### Against the ceilings',
    '',
    "The bare NestJS 12 + Fastify app (one GET answering the summary's JSON, nothing else) and the raw",
    '`node:http` server running one query per request on the same database, each a process of its own,',
    "measured in the same rounds; where measured, a third: the bare app running the raw server's query",
    'per request, what NestJS and Fastify themselves add to an answer fresh from the database (its',
    '÷ raw is the most any service on them could reach). Max is the slowest response of any round.',
    '',
    '| numbers | endpoint | req/s | ÷ bare | ÷ raw | p99 ms | p99 ÷ bare p99 | max ms |',
    '|---:|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const run of measured) {
    const bare = run.scenarios.bare?.median;
    const raw = run.scenarios.raw?.median;
    if (!bare || !raw) continue;
    for (const name of NAMES) {
      const m = run.scenarios[name]?.median;
      if (m === undefined) continue;
      lines.push(
        `| ${formatCount(run.numbers)} | ${SCENARIO_TITLES[name]} | ${int(m.requestsPerSecond)} | ` +
          `${ratio(m.requestsPerSecond / bare.requestsPerSecond)} | ${ratio(m.requestsPerSecond / raw.requestsPerSecond)} | ` +
          `${ms(m.p99)} | ${ratio(m.p99 / bare.p99)} | ${maxMs(m)} |`,
      );
    }
  }
  lines.push('', ...goalLines(measured), '', ...stackCostLines(measured));
  return lines;
}

/** A goal: a scenario's figure over a ceiling's, at least or at most a bound. */
interface Goal {
  readonly title: string;
  readonly scenario: ScenarioName;
  readonly ceiling: 'bare' | 'raw';
  readonly measure: 'requestsPerSecond' | 'p99';
  readonly bound: number;
}

/** The goals of the stack against its ceilings. */
export const GOALS: readonly Goal[] = [
  {
    title: '`/health/live` ≥ 0.6× bare req/s',
    scenario: 'live',
    ceiling: 'bare',
    measure: 'requestsPerSecond',
    bound: 0.6,
  },
  {
    title: 'summary, all tenants ≥ 0.5× bare req/s',
    scenario: 'summaryAll',
    ceiling: 'bare',
    measure: 'requestsPerSecond',
    bound: 0.5,
  },
  {
    title: 'the same with a bearer token ≥ 0.5× bare req/s',
    scenario: 'summaryAllJwt',
    ceiling: 'bare',
    measure: 'requestsPerSecond',
    bound: 0.5,
  },
  {
    title: 'summary, random tenant ≥ 0.8× raw req/s',
    scenario: 'summaryTenant',
    ceiling: 'raw',
    measure: 'requestsPerSecond',
    bound: 0.8,
  },
  {
    title: 'the same with a bearer token ≥ 0.8× raw req/s',
    scenario: 'summaryTenantJwt',
    ceiling: 'raw',
    measure: 'requestsPerSecond',
    bound: 0.8,
  },
  {
    title: 'summary, all tenants p99 ≤ 2× bare p99',
    scenario: 'summaryAll',
    ceiling: 'bare',
    measure: 'p99',
    bound: 2,
  },
];

function goalLines(runs: RunRecord[]): string[] {
  const lines = [
    '#### Goals',
    '',
    "The ratio is of the rows' medians; each round's is of the two rows measured in that round, which on a",
    'busy machine shows how far one round may stray from another.',
    '',
    '| numbers | goal | ratio | holds | each round |',
    '|---:|---|---:|---|---|',
  ];
  for (const run of runs) {
    for (const goal of GOALS) {
      const row = run.scenarios[goal.scenario];
      const ceiling = run.scenarios[goal.ceiling];
      if (!row || !ceiling) continue;
      const r = row.median[goal.measure] / ceiling.median[goal.measure];
      const holds = goal.measure === 'p99' ? r <= goal.bound : r >= goal.bound;
      const rounds =
        row.rounds.length > 0 && row.rounds.length === ceiling.rounds.length
          ? row.rounds
              .map((round, i) => goalRatio(round[goal.measure] / ceiling.rounds[i][goal.measure], goal.bound))
              .join(', ')
          : '–';
      lines.push(
        `| ${formatCount(run.numbers)} | ${goal.title} | ${goalRatio(r, goal.bound)} | ${mark(holds)} | ${rounds} |`,
      );
    }
    const all = run.scenarios.summaryAll.median;
    lines.push(
      `| ${formatCount(run.numbers)} | summary, all tenants: max latency (reported) | ${maxMs(all)} ms | – | – |`,
    );
  }
  return lines;
}

/** The rows of the table of what each part of the stack costs, and the part each one prices. */
const STACK_PARTS: ReadonlyArray<{
  readonly row: ScenarioName;
  readonly part: string;
  /** The row it is set against (the part's cost is the difference); none: the row's own figure. */
  readonly against?: ScenarioName;
  /** With the part on is `against`, not `row` (a row that turns the part off). */
  readonly off?: boolean;
}> = [
  { row: 'bare', part: 'NestJS 12 + Fastify themselves (the bare app, whole request)' },
  {
    row: 'live',
    part: 'everything the service adds to the bare app on a request without I/O',
    against: 'bare',
  },
  { row: 'liveSilent', part: 'the request log line at `info`', against: 'live', off: true },
  { row: 'liveNoRateLimit', part: 'the rate limit', against: 'live', off: true },
  {
    row: 'summaryAll',
    part: "the summary's own work (its queries and answer) over the trivial endpoint",
    against: 'live',
  },
  { row: 'summaryAllJwt', part: 'a bearer token checked on every request (`AUTH_MODE=jwt`)', against: 'summaryAll' },
];

const micros = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(0));

/**
 * What each part of the stack costs per request, from rows measured in the same run: the
 * service's CPU time per request (user + system of its process, from /proc, all its threads),
 * and the event loop's time per request (10⁶ / req/s: a saturated single event loop spends
 * 1 / req/s on each request); a part's cost is the difference from the row without it.
 */
export function stackCostLines(runs: RunRecord[]): string[] {
  const lines = [
    '#### What each part of the stack costs per request (µs)',
    '',
    "Rows of the same run. CPU is the measured process's CPU time (user + system, every thread, from",
    '`/proc/<pid>/stat`) over the requests it answered in the rounds; the event loop figure is',
    '10⁶ / req/s (a saturated event loop spends 1 / req/s on each request, and I/O waits add to it).',
    "A part's cost is the row with it less the row without it (the instances differ in that setting",
    'only); turn a part off to save about that much per request.',
    '',
    '| numbers | row | req/s | CPU µs / request | event loop µs / request | part | its CPU µs | its event loop µs |',
    '|---:|---|---:|---:|---:|---|---:|---:|',
  ];
  for (const run of runs) {
    for (const { row, part, against, off } of STACK_PARTS) {
      const m = run.scenarios[row]?.median;
      if (!m) continue;
      const loop = 1e6 / m.requestsPerSecond;
      let cpuCost = m.serverCpuMicrosPerRequest;
      let loopCost = loop;
      if (against) {
        const other = run.scenarios[against]?.median;
        if (!other) continue;
        const sign = off ? -1 : 1;
        cpuCost =
          m.serverCpuMicrosPerRequest === undefined || other.serverCpuMicrosPerRequest === undefined
            ? undefined
            : sign * (m.serverCpuMicrosPerRequest - other.serverCpuMicrosPerRequest);
        loopCost = sign * (loop - 1e6 / other.requestsPerSecond);
      }
      lines.push(
        `| ${formatCount(run.numbers)} | ${SCENARIO_TITLES[row]} | ${int(m.requestsPerSecond)} | ` +
          `${micros(m.serverCpuMicrosPerRequest)} | ${micros(loop)} | ${part} | ${micros(cpuCost)} | ${micros(loopCost)} |`,
      );
    }
  }
  return lines;
}

/**
 * The rows through PgBouncer and from the replica, each against the same request to the directly
 * connected instance in the same rounds; what was not measured, and why.
 */
export function pastOneInstanceLines(runs: RunRecord[]): string[] {
  const out = ['### Past one instance', ''];
  const recorded = runs.filter((run) => run.pastOneInstance !== undefined);
  if (recorded.length === 0) {
    return [...out, 'Not measured by these runs (they predate the rows through PgBouncer and from a replica).', ''];
  }
  out.push(
    'A second instance of the service on the same database, measured in the same rounds as the direct',
    'instance above; each row is set against the same requests to the direct instance (÷ direct).',
    "CPU µs is the instance's own CPU time per request (PgBouncer's and PostgreSQL's are not in it).",
    '',
  );
  const latest = recorded[recorded.length - 1].pastOneInstance;
  if (latest) {
    const { pgbouncer, replica } = latest;
    out.push(
      'skipped' in pgbouncer
        ? `**No rows through PgBouncer:** ${pgbouncer.skipped}.`
        : `Through PgBouncer: ${pgbouncer.version}, \`pool_mode = ${pgbouncer.poolMode}\`, ` +
            `\`default_pool_size = ${pgbouncer.poolSize}\`, started by the benchmark on loopback in front of the ` +
            `same server; the instance's settings besides the direct one's: ${envList(pgbouncer.env)}.`,
      '',
      'skipped' in replica
        ? `**No rows from a read replica:** ${replica.skipped}.`
        : `From the replica: a hot standby of the server (made by ${replica.madeBy}, streaming from it, on the ` +
            `same machine: its reads share the same cores); the instance's settings besides the direct one's: ` +
            `${envList(replica.env)}. "Reads served" counts, over the row's rounds, the transactions ` +
            '(`xact_commit + xact_rollback`) and rows read (`tup_returned`) in `pg_stat_database` for the ' +
            'database on each server: a row read from the replica shows nearly all of them there, one read ' +
            'from the primary none.',
      '',
    );
  }
  const rows: string[] = [];
  const missing: string[] = [];
  for (const run of recorded) {
    const record = run.pastOneInstance;
    if (!record) continue;
    for (const name of PAST_ONE_INSTANCE_SCENARIOS) {
      const why = record.unavailable?.[name];
      if (why) missing.push(`- ${formatCount(run.numbers)}, ${SCENARIO_TITLES[name]}: not measured: ${why}`);
      const m = run.scenarios[name]?.median;
      const direct = run.scenarios[PAST_ONE_INSTANCE[name].direct]?.median;
      if (!m || !direct) continue;
      const routing = record.routing?.[name];
      rows.push(
        `| ${formatCount(run.numbers)} | ${SCENARIO_TITLES[name]} | ${int(m.requestsPerSecond)} | ` +
          `${ratio(m.requestsPerSecond / direct.requestsPerSecond)} | ${ms(m.p50)} | ${ms(m.p99)} | ` +
          `${ratio(m.p99 / direct.p99)} | ${m.errors} | ${micros(m.serverCpuMicrosPerRequest)} | ` +
          `${micros(direct.serverCpuMicrosPerRequest)} | ${routing ? describeRouting(routing) : '–'} |`,
      );
    }
  }
  if (rows.length > 0) {
    out.push(
      '| numbers | row | req/s | ÷ direct | p50 ms | p99 ms | p99 ÷ direct p99 | errors | CPU µs / request | direct CPU µs / request | reads served |',
      '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
      ...rows,
      '',
    );
  }
  if (missing.length > 0) out.push(...missing, '');
  return out;
}

const envList = (env: Readonly<Record<string, string>>) =>
  Object.entries(env)
    .map(([name, value]) => `\`${name}=${value}\``)
    .join(', ');

/** The measured service's settings as a run recorded them. */
function envLine(run: RunRecord): string {
  if (!run.env)
    return '`NODE_ENV=production LOG_LEVEL=warn RATE_LIMIT_ENABLED=false` (recorded before the production defaults)';
  const shown = Object.entries(run.env).filter(([name]) => name !== 'DATABASE_URL');
  return `\`${shown.map(([name, value]) => `${name}=${value}`).join(' ')}\`, request log to /dev/null`;
}

/**
 * How the runs' rounds were made: connections, warm-up, rounds and their length (per size where
 * the runs differ), and the order of the rows in a round.
 */
function roundLines(runs: RunRecord[]): string[] {
  const of = (run: RunRecord) => {
    const s = run.settings;
    return `${s.connections} connections, ${s.warmupSeconds} s warm-up, ${s.rounds} rounds of ${s.seconds} s per endpoint`;
  };
  const kinds = new Set(runs.map(of));
  const line =
    kinds.size === 1
      ? `${of(runs[0])}.`
      : `${runs.map((run) => `${formatCount(run.numbers)}: ${of(run)}`).join('; ')}.`;
  const paired = runs.filter((run) => run.settings.pairedOrder);
  if (paired.length === 0) return [line];
  const which =
    paired.length === runs.length
      ? 'In every run'
      : `In the ${paired.map((run) => formatCount(run.numbers)).join(' and ')} runs`;
  return [
    line,
    '',
    `${which}, each goal's row was measured beside the ceiling it is set against (the trivial endpoint and ` +
      'the all-tenant summaries beside the bare app, the random-tenant summaries beside the raw server), and every ' +
      'other round went through the rows backwards, so that neither side of a ratio was always measured first' +
      (paired.length === runs.length
        ? '.'
        : ' (the other runs went through the rows in one order, the same every round).'),
  ];
}

/** Which PostgreSQL server a run used, and its settings, where the run recorded them. */
function serverLines(run: RunRecord): string[] {
  const server = run.postgresServer;
  if (!server) return [];
  const out: string[] = [];
  if (server.owned) {
    out.push(
      `The PostgreSQL server of these runs is one the benchmark started itself (\`--replica\`) from ` +
        `${server.binDirectory ?? "the machine's programs"} with initdb's defaults but \`autovacuum=off\` and WAL kept for the standby (\`wal_keep_size\`), ` +
        'seeded the same way, with a streaming replica of it (a replica of a shared server cannot be made).',
      '',
    );
  }
  if (server.checkpointed) {
    out.push(
      `After the seeding, a \`CHECKPOINT\`${server.owned ? ' (a restartpoint on the replica)' : ''} wrote the pages it ` +
        "dirtied before the first round, so that the server's background writing of them was not in the rounds.",
      '',
    );
  }
  if (server.settings) {
    const shown = Object.entries(server.settings).map(([name, value]) => `\`${name}=${value}\``);
    out.push(`The PostgreSQL server's settings: ${shown.join(', ')}.`, '');
  }
  return out;
}

/** The CSV export's figures, where a run measured them. */
function csvLines(runs: RunRecord[]): string[] {
  const measured = runs.filter((run) => run.csv !== undefined);
  if (measured.length === 0) return [];
  const lines = [
    '### CSV export',
    '',
    'One client downloads `GET /api/v3/oc/numbers` with `Accept: text/csv` (every number), for at most',
    '30 s, then goes away.',
    '',
    '| numbers | rows | MB | s | rows/s | whole export |',
    '|---:|---:|---:|---:|---:|---|',
  ];
  for (const run of measured) {
    const c = run.csv;
    if (c === undefined) continue;
    lines.push(
      `| ${formatCount(run.numbers)} | ${int(c.rows)} | ${(c.bytes / 1e6).toFixed(1)} | ${c.seconds.toFixed(1)} | ` +
        `${int(c.rowsPerSecond)} | ${c.complete ? 'yes' : 'no (cut at the time limit)'} |`,
    );
  }
  lines.push('');
  return lines;
}

/**
 * The sections of BENCHMARKS.md that other commands write from their own output (not from the
 * JSON file): a report rendered again keeps them, as they were, at its end.
 */
export const SECTIONS_OF_OTHERS = ['## Reconciliation', '## What the stack costs per request'] as const;

/** `report`, then the sections of others that `before` (the file as it was) holds. */
export function withSectionsOfOthers(report: string, before: string): string {
  const kept = SECTIONS_OF_OTHERS.flatMap((heading) => {
    const start = before.indexOf(`\n${heading}\n`);
    if (start < 0) return [];
    const next = before.indexOf('\n## ', start + heading.length + 2);
    return [before.slice(start + 1, next < 0 ? undefined : next + 1).trimEnd()];
  });
  return kept.length === 0 ? report : `${report.trimEnd()}\n\n${kept.join('\n\n')}\n`;
}

/** BENCHMARKS.md, from everything the JSON file holds. */
export function renderReport(file: BenchFile): string {
  const out: string[] = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (tools/perf); the raw figures, every round included, are in',
    '`benchmarks.json`. Each endpoint was driven by autocannon over HTTP/1.1 keep-alive against the',
    "built service (`node dist/apps/api/src/main.js`, with production's defaults: JSON request logs at",
    '`info`, metrics, security headers, the rate limit on with a limit the load never reaches; each',
    "database's settings line says what its runs used) on the same machine; figures are the medians",
    'of the rounds, which go through the endpoints in turn.',
    'The references are measured in the same run on the same server: a trivial endpoint that does no',
    "I/O (the ceiling), and the readiness check, which makes a round trip and runs the summary's two",
    'queries (concurrent probes share one check, so under load it costs less than one query each).',
    "Each row also records the measured process's CPU time per request (from `/proc`). On PostgreSQL,",
    'a second instance through PgBouncer and, with `--replica`, one reading from a streaming replica',
    'are measured in the same rounds ("Past one instance").',
    '',
  ];
  if (file.machine) out.push(`Machine: ${machineLine(file.machine)}.`, '');
  if (file.note) out.push(`**Note:** ${file.note}`, '');
  for (const [database, title] of DATABASES) {
    const runs = runsOf(file, database);
    if (runs.length === 0) continue;
    out.push(
      `## ${title}`,
      '',
      ...roundLines(runs),
      '',
      `The service's settings: ${envLine(runs[runs.length - 1])}.`,
      '',
      ...serverLines(runs[runs.length - 1]),
      '| numbers | tenants | endpoint | req/s | p50 ms | p99 ms | errors | req/s ÷ trivial | req/s ÷ readiness | p99 ÷ readiness p99 |',
      '|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const run of runs) {
      const live = run.scenarios.live.median;
      const ready = run.scenarios.ready.median;
      for (const name of NAMES) {
        const m = run.scenarios[name]?.median;
        if (m === undefined) continue;
        out.push(
          `| ${formatCount(run.numbers)} | ${int(run.tenants)} | ${SCENARIO_TITLES[name]} | ${int(m.requestsPerSecond)} | ` +
            `${ms(m.p50)} | ${ms(m.p99)} | ${m.errors} | ${ratio(m.requestsPerSecond / live.requestsPerSecond)} | ` +
            `${ratio(m.requestsPerSecond / ready.requestsPerSecond)} | ${ratio(m.p99 / ready.p99)} |`,
        );
      }
    }
    out.push('', '### Targets', '', ...targets(runs), '');
    out.push(...ceilingLines(runs), '');
    if (database === 'postgres') out.push(...pastOneInstanceLines(runs));
    out.push(...csvLines(runs));
    out.push(
      '### The queries alone',
      '',
      'Timed from the benchmark process, without HTTP (on PostgreSQL this includes one round trip).',
      '',
      '| numbers | summary, all tenants p50 / p99 ms | summary, one tenant p50 / p99 ms | plain COUNT through the partial index p50 ms |',
      '|---:|---:|---:|---:|',
    );
    for (const run of runs) {
      const q = run.queries;
      out.push(
        `| ${formatCount(run.numbers)} | ${q.allTenants.p50.toFixed(3)} / ${q.allTenants.p99.toFixed(3)} | ` +
          `${q.oneTenant.p50.toFixed(3)} / ${q.oneTenant.p99.toFixed(3)} | ${q.plainCount.p50.toFixed(2)} |`,
      );
    }
    const largest = runs[runs.length - 1];
    out.push('', `### Plans at ${formatCount(largest.numbers)} numbers`, '');
    for (const [name, plan] of Object.entries(largest.queries.plans)) {
      out.push(`${name}:`, '', '```', plan, '```', '');
    }
  }
  out.push(...bearerTokenLines(file));
  const writes = Object.values(file.writes ?? {}).sort((a, b) => a.numbers - b.numbers);
  for (const run of writes) out.push(...writesSection(run), '');
  const seeding = Object.entries(file.seeding).sort(
    ([a, x], [b, y]) => a.split(':')[0].localeCompare(b.split(':')[0]) || x.numbers - y.numbers,
  );
  if (seeding.length > 0) {
    out.push(
      '## Seeding',
      '',
      '`npm run seed` with the default mix (1% MarkedForRemoval, 0.5% ReadyForRemoval, 1% ReleaseRequested,',
      '0.5% without status, 2% of blocks without a tenant).',
      '',
      '| database | numbers | tenants | rows written in s | rows/s | statistics (ANALYZE) s |',
      '|---|---:|---:|---:|---:|---:|',
    );
    for (const [name, s] of seeding) {
      out.push(
        `| ${name.split(':')[0]} | ${int(s.numbers)} | ${int(s.tenants)} | ${s.loadSeconds.toFixed(1)} | ${int(s.rowsPerSecond)} | ${s.analyzeSeconds.toFixed(1)} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

/**
 * What authentication costs: each summary scenario against an instance with AUTH_MODE=jwt (a
 * bearer token on every request) next to the same scenario without, in the same rounds; and
 * one verification timed alone.
 */
function bearerTokenLines(file: BenchFile): string[] {
  const pairs = [
    ['summaryAll', 'summaryAllJwt'],
    ['summaryTenant', 'summaryTenantJwt'],
  ] as const;
  const rows: string[] = [];
  for (const [database, title] of DATABASES) {
    for (const run of runsOf(file, database)) {
      for (const [plain, jwt] of pairs) {
        const off = run.scenarios[plain]?.median;
        const on = run.scenarios[jwt]?.median;
        if (!off || !on) continue;
        rows.push(
          `| ${title} | ${formatCount(run.numbers)} | ${SCENARIO_TITLES[plain]} | ${int(off.requestsPerSecond)} | ` +
            `${int(on.requestsPerSecond)} | ${ratio(on.requestsPerSecond / off.requestsPerSecond)} | ${ms(off.p50)} | ` +
            `${ms(on.p50)} | ${ms(off.p99)} | ${ms(on.p99)} |`,
        );
      }
    }
  }
  const costs = file.tokenVerification ?? [];
  if (rows.length === 0 && costs.length === 0) return [];
  const out = ['## Bearer tokens', ''];
  if (rows.length > 0) {
    const token = Object.values(file.runs).find((run) => run.token)?.token;
    out.push(
      'The summary from a second instance on the same database with `AUTH_MODE=jwt`, every request carrying ' +
        `a bearer token${token ? ` (${token.alg}, role \`${token.role}\`)` : ''}, in the same rounds as the ` +
        'instance without authentication.',
      '',
      '| database | numbers | endpoint | req/s without | req/s with token | ratio | p50 ms without | p50 ms with | p99 ms without | p99 ms with |',
      '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|',
      ...rows,
      '',
    );
  }
  if (costs.length > 0) {
    out.push(
      "One token alone, in the service's own code with its keys held (`npm run bench:auth`): checked in full " +
        '(signature, issuer, audience, times, caller), and a token the instance verified before, which ' +
        'AUTH_TOKEN_CACHE_SIZE keeps (a lookup).',
      '',
      '| algorithm | µs per token verified | µs per token verified before |',
      '|---|---:|---:|',
      ...costs.map(
        (cost) => `| ${cost.alg} | ${cost.microsPerVerify.toFixed(1)} | ${cost.microsPerKnown.toFixed(2)} |`,
      ),
      '',
    );
  }
  return out;
}

const MODE_TITLES: Record<WriteMode, string> = { counted: 'counted', bypassed: 'bypassed (ceiling)' };

/**
 * Counted ÷ bypassed for one workload and isolation: of the median writes/s; of each round's
 * two windows, which ran next to each other (their median, lowest and highest), so a slow spell
 * of the machine that spans rounds cancels out; and of the median statement p50.
 */
export function writeRatios(variant: VariantRecord): {
  writes: number;
  paired: { median: number; min: number; max: number };
  statementP50: number;
} {
  const { counted, bypassed } = variant.modes;
  const paired = counted.rounds
    .map((round, i) => round.writesPerSecond / bypassed.rounds[i].writesPerSecond)
    .sort((x, y) => x - y);
  const n = paired.length;
  return {
    writes: counted.median.writesPerSecond / bypassed.median.writesPerSecond,
    paired: {
      median: n === 0 ? NaN : n % 2 ? paired[(n - 1) / 2] : (paired[n / 2 - 1] + paired[n / 2]) / 2,
      min: n === 0 ? NaN : paired[0],
      max: n === 0 ? NaN : paired[n - 1],
    },
    statementP50: counted.median.statementP50 / bypassed.median.statementP50,
  };
}

/** The figures of one writers' run as Markdown tables (also what the command prints). */
export function writesTable(run: WriteRunRecord): string[] {
  const lines = [
    '| workload | isolation | triggers | writes/s | min–max writes/s | rows/s | statement p50 / p99 ms | transaction p50 / p99 ms | failures | lock waits |',
    '|---|---|---|---:|---:|---:|---:|---:|---|---|',
  ];
  for (const variant of run.variants) {
    for (const mode of ['counted', 'bypassed'] as const) {
      const { median: m, spread } = variant.modes[mode];
      lines.push(
        `| ${WORKLOAD_TITLES[variant.workload]} | ${variant.isolation} | ${MODE_TITLES[mode]} | ${int(m.writesPerSecond)} | ` +
          `${int(spread.min)}–${int(spread.max)} | ${int(m.rowsPerSecond)} | ${ms(m.statementP50)} / ${ms(m.statementP99)} | ` +
          `${ms(m.transactionP50)} / ${ms(m.transactionP99)} | ${describeFailures(m.failures)} | ${describeLockWaits(m)} |`,
      );
    }
  }
  lines.push(
    '',
    '| workload | isolation | counted ÷ bypassed: median writes/s | the same, round by round: median (lowest–highest) | statement p50 |',
    '|---|---|---:|---:|---:|',
  );
  for (const variant of run.variants) {
    const r = writeRatios(variant);
    lines.push(
      `| ${WORKLOAD_TITLES[variant.workload]} | ${variant.isolation} | ${ratio(r.writes)} | ` +
        `${ratio(r.paired.median)} (${ratio(r.paired.min)}–${ratio(r.paired.max)}) | ${ratio(r.statementP50)} |`,
    );
  }
  return lines;
}

function writesSection(run: WriteRunRecord): string[] {
  const s = run.settings;
  const out = [
    `## Writers (PostgreSQL, ${formatCount(run.numbers)} numbers)`,
    '',
    'Written by `npm run bench:writes`: what keeping the removal counts costs the writers of',
    '`oc_numbers`. Each of ' +
      `${s.writers} writers, on its own connection and its own numbers (spread over the tenants), changes`,
    'statuses in short transactions (BEGIN, one UPDATE, COMMIT): one number per transaction by',
    '`telephone_number`, following the lifecycle (0→2, 0→1, 1→2, 2→0, 2→3, and 3→0 standing in for',
    `removal and a new upload), or a set-based UPDATE of a slice of ${s.batchSize} numbers in number order`,
    `(${run.tenantsPerSlice.toFixed(1)} tenants a slice on average) marked and cleared in turn, as a sync pass does.`,
    'Each workload and isolation level is measured with the triggers of `oc_numbers` firing (counted) and with them',
    "bypassed through `SET session_replication_role = replica` on the writers' connections (the",
    'ceiling), in alternating rounds (counted first in odd rounds, bypassed first in even ones).',
    'Figures are medians over the rounds; failures (by SQLSTATE: 40001 serialization, 40P01 deadlock,',
    "55P03 lock timeout) are summed; lock waits are the share of the writers' states, sampled every",
    '20 ms from `pg_stat_activity`, that were waiting for a lock, with what they waited for',
    "(`transactionid` or `tuple`: another transaction's row; `extend`: the table growing).",
    'The second table divides counted by bypassed: below 1 is what the counts cost. The round-by-round',
    "ratio compares each round's two neighbouring windows, so it is the steadier one on a busy machine;",
    "the statement p50 ratio is the triggers' own cost, without the commit's WAL flush.",
    '',
    `Machine: ${machineLine(run.machine)}.`,
    '',
    `${s.rounds} rounds of ${s.seconds} s per workload, isolation and mode after ${s.warmupSeconds} s of warm-up each; ` +
      `${int(run.tenants)} tenants, ${int(s.poolPerWriter)} numbers per writer (single), ${s.batchesPerWriter} slices per ` +
      `writer (bulk), seed ${s.seed}; synchronous_commit ${run.server.synchronousCommit}, fsync ${run.server.fsync}; ` +
      `triggers bypassed: ${run.triggers.map((t) => `\`${t}\``).join(', ') || 'none'}.`,
    '',
  ];
  if (run.note) out.push(`**Note:** ${run.note}`, '');
  out.push(...writesTable(run));
  return out;
}
