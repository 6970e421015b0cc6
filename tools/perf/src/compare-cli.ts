import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SERVICE_MAIN } from '@oc-numbers/testing';
import { type Output, parseArgs, parseCount, parseDatabaseUrl, parseEnvList, runCommand, UsageError } from './args';
import { benchToken, PRODUCTION_ENV, SUMMARY_PATH } from './bench';
import { load, type LoadResult, median, medianOf } from './load';
import { withServerCpu } from './process-cpu';
import { type BenchServer, spawnServer } from './processes';

export const COMPARE_USAGE = `Usage: npm run bench:compare -- --database-url URL --before DIR [options]

Runs two builds of the service side by side on one database, with the benchmark's production
settings: the one in DIR (another checkout, built: DIR/${SERVICE_MAIN}) and this checkout's.
Drives one endpoint on each in turn, every other pass in the opposite order, so that a slow
spell of a shared machine falls on both, and prints each build's median req/s and CPU time per
request, and the median of the passes' ratios (this build ÷ DIR's build).

  --database-url URL     sqlite:<path> or postgres://… (seeded: npm run seed)    required
  --before DIR           the other checkout, built (npx nx run api:build there)  required
  --path PATH            the endpoint                default the summary over all tenants
  --passes N             passes over both builds                               default 10
  --duration S           seconds of load on each build in each pass             default 4
  --warmup S             seconds of load on each build before the passes        default 2
  --connections N        concurrent connections                                default 50
  --env LIST             settings changed from the defaults, NAME=VALUE,… (e.g. LOG_LEVEL=silent)
  --token                AUTH_MODE=jwt, every request with the benchmark's bearer token
  --help                 this text
`;

const COMPARE_OPTIONS = {
  'database-url': 'value',
  before: 'value',
  path: 'value',
  passes: 'value',
  duration: 'value',
  warmup: 'value',
  connections: 'value',
  env: 'value',
  token: 'flag',
  help: 'flag',
} as const;

export interface CompareOptions {
  readonly databaseUrl: string;
  /** The other checkout's root, absolute. */
  readonly before: string;
  readonly path: string;
  readonly passes: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  readonly env: Readonly<Record<string, string>>;
  readonly token: boolean;
}

export function parseCompareArgs(argv: readonly string[], cwd = process.cwd()): CompareOptions | 'help' {
  const args = parseArgs(argv, COMPARE_OPTIONS);
  if (args.has('help')) return 'help';
  const text = (name: keyof typeof COMPARE_OPTIONS) => {
    const value = args.get(name);
    return typeof value === 'string' ? value : undefined;
  };
  const databaseUrl = parseDatabaseUrl(text('database-url'));
  const given = text('before');
  if (given === undefined) throw new UsageError('--before must name the other checkout');
  const before = resolve(cwd, given);
  if (!existsSync(join(before, SERVICE_MAIN))) {
    throw new UsageError(`--before: ${join(before, SERVICE_MAIN)} does not exist; build the service there first`);
  }
  const path = text('path') ?? SUMMARY_PATH;
  if (!path.startsWith('/')) throw new UsageError(`--path must start with / (got "${path}")`);
  const env = parseEnvList(text('env'));
  return {
    databaseUrl,
    before,
    path,
    passes: parseCount('passes', text('passes') ?? '10', { max: 1000 }),
    seconds: parseCount('duration', text('duration') ?? '4', { max: 600 }),
    warmupSeconds: parseCount('warmup', text('warmup') ?? '2', { min: 0, max: 600 }),
    connections: parseCount('connections', text('connections') ?? '50', { max: 10_000 }),
    env,
    token: args.has('token'),
  };
}

/** One build's passes. */
export interface CompareRow {
  readonly build: string;
  readonly passes: readonly LoadResult[];
}

export interface Comparison {
  readonly before: CompareRow;
  readonly after: CompareRow;
  /** This build's req/s ÷ the other's, pass by pass. */
  readonly ratios: readonly number[];
}

/** Runs both builds, drives them in alternating order, and stops them. */
export async function runCompare(options: CompareOptions, log: (line: string) => void): Promise<Comparison> {
  const token = options.token ? await benchToken() : undefined;
  const env = { ...PRODUCTION_ENV, ...token?.env, ...options.env, DATABASE_URL: options.databaseUrl };
  const drive = (server: BenchServer, seconds: number) =>
    load({
      baseUrl: server.baseUrl,
      connections: options.connections,
      seconds,
      paths: [options.path],
      headers: token?.headers,
    });
  const servers: BenchServer[] = [];
  try {
    // Started one after the other: two migrations at once on one database would race.
    servers.push(await spawnServer({ main: join(options.before, SERVICE_MAIN), env, probePath: '/health/live' }));
    servers.push(await spawnServer({ main: SERVICE_MAIN, env, probePath: '/health/live' }));
    const [before, after] = servers;
    if (options.warmupSeconds > 0) {
      log(`Warming up ${options.path} on both builds for ${options.warmupSeconds} s each`);
      for (const server of servers) await drive(server, options.warmupSeconds);
    }
    const results = new Map<BenchServer, LoadResult[]>(servers.map((server) => [server, []]));
    for (let pass = 1; pass <= options.passes; pass++) {
      for (const server of pass % 2 === 1 ? servers : [...servers].reverse()) {
        results.get(server)?.push(await withServerCpu(server.pid, () => drive(server, options.seconds)));
      }
      const [b, a] = [results.get(before)?.[pass - 1], results.get(after)?.[pass - 1]];
      log(
        `pass ${pass}/${options.passes}: before ${Math.round(b?.requestsPerSecond ?? 0)} req/s, ` +
          `this build ${Math.round(a?.requestsPerSecond ?? 0)} req/s`,
      );
    }
    const passesOf = (server: BenchServer) => results.get(server) ?? [];
    const ratios = passesOf(after).map((a, i) => a.requestsPerSecond / passesOf(before)[i].requestsPerSecond);
    return {
      before: { build: buildName(options.before), passes: passesOf(before) },
      after: { build: 'this build', passes: passesOf(after) },
      ratios,
    };
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}

/** The other checkout and its commit, when git knows it. */
function buildName(dir: string): string {
  try {
    const commit = execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return `${dir} (${commit})`;
  } catch {
    return dir;
  }
}

/** The comparison as Markdown: a line of settings, a table of the builds, the ratio. */
export function comparisonText(options: CompareOptions, comparison: Comparison): string {
  const database = options.databaseUrl.startsWith('sqlite:') ? 'SQLite' : 'PostgreSQL';
  const changed = Object.entries(options.env).map(([name, value]) => `${name}=${value}`);
  const row = ({ build, passes }: CompareRow) => {
    const { requestsPerSecond, serverCpuMicrosPerRequest: cpu, errors } = median(passes);
    return `| ${build} | ${Math.round(requestsPerSecond).toLocaleString('en-US')} | ${cpu === undefined ? '–' : cpu.toFixed(1)} | ${errors} |`;
  };
  return [
    `\`GET ${options.path}\` on ${database}, ${options.passes} passes of ${options.seconds} s on each build at ` +
      `${options.connections} connections, every other pass in the opposite order; the benchmark's production settings` +
      (changed.length > 0 ? ` but \`${changed.join(' ')}\`` : '') +
      (options.token ? ', with `AUTH_MODE=jwt` and a bearer token on every request' : '') +
      '.',
    '',
    '| build | req/s (median) | CPU µs / request (median) | errors |',
    '|---|---:|---:|---:|',
    row(comparison.before),
    row(comparison.after),
    '',
    `This build ÷ the other: ${medianOf(comparison.ratios).toFixed(3)} (the median of the passes' ratios; ` +
      `each pass: ${comparison.ratios.map((r) => r.toFixed(3)).join(', ')}).`,
    '',
  ].join('\n');
}

export function main(
  argv: readonly string[],
  output: Output = { out: process.stdout, err: process.stderr },
): Promise<number> {
  return runCommand(
    {
      name: 'bench:compare',
      usage: COMPARE_USAGE,
      parse: () => parseCompareArgs(argv),
      run: async (options) => {
        const comparison = await runCompare(options, (line) => output.err.write(`${line}\n`));
        output.out.write(comparisonText(options, comparison));
      },
    },
    output,
  );
}
