import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Output, parseArgs, parseCount, parseDatabaseUrl, parseEnvList, runCommand, UsageError } from './args';
import { benchToken, PRODUCTION_ENV, SUMMARY_PATH } from './bench';
import { type CpuProfile, profileTables, summarizeProfile } from './cpu-profile';
import { tenantIds } from './inventory';
import { load } from './load';
import { spawnService } from './processes';
import { Random } from './random';

export const PROFILE_USAGE = `Usage: npm run bench:profile -- --database-url URL [options]

Starts the built service with node --cpu-prof on a seeded database (npm run seed), with the
benchmark's production settings (JSON request logs at info to /dev/null, metrics, security
headers, the rate limit on with a limit the load never reaches), drives one endpoint with
autocannon, stops it, and writes where the busy time of the load went as Markdown: self time
by part (node_modules/<package>, Node.js internals, the service's own files, V8), time with each
part on the stack, and the top frames. The load average is recorded with it: on a shared
machine, proportions matter, not absolute figures.

  --database-url URL     sqlite:<path> or postgres://… (seeded)                  required
  --path PATH            the endpoint                default the summary over all tenants;
                         <tenant> in it stands for a tenant of the inventory, a random one
                         in each request (e.g. …/summary?msTenantId=<tenant>)
  --tenants N            the inventory's tenants (npm run seed's --tenants), for <tenant>
  --seed N               the inventory's seed (npm run seed's --seed)            default 1
  --duration S           seconds of profiled load                              default 15
  --warmup S             seconds of load before the profiled part               default 3
  --connections N        concurrent connections                                default 50
  --env LIST             settings changed from the defaults, NAME=VALUE,… (e.g. LOG_LEVEL=silent)
  --token                AUTH_MODE=jwt, every request with the benchmark's bearer token
  --title TEXT           the section's heading                    default the endpoint and database
  --out FILE             the Markdown file                          default tmp/bench/profile.md
  --append               add the section to the end of --out instead of replacing the file
  --help                 this text
`;

export const PROFILE_OPTIONS = {
  'database-url': 'value',
  path: 'value',
  tenants: 'value',
  seed: 'value',
  duration: 'value',
  warmup: 'value',
  connections: 'value',
  env: 'value',
  token: 'flag',
  title: 'value',
  out: 'value',
  append: 'flag',
  help: 'flag',
} as const;

export interface ProfileOptions {
  readonly databaseUrl: string;
  readonly path: string;
  /** The paths requested in turn: `path` itself, or with a random tenant of the inventory each. */
  readonly paths: readonly string[];
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  readonly env: Readonly<Record<string, string>>;
  /** AUTH_MODE=jwt, and every request with a bearer token (as the benchmark's token rows). */
  readonly token: boolean;
  readonly title?: string;
  readonly out: string;
  readonly append: boolean;
}

export function parseProfileArgs(argv: readonly string[]): ProfileOptions | 'help' {
  const args = parseArgs(argv, PROFILE_OPTIONS);
  if (args.has('help')) return 'help';
  const text = (name: keyof typeof PROFILE_OPTIONS) => {
    const value = args.get(name);
    return typeof value === 'string' ? value : undefined;
  };
  const databaseUrl = parseDatabaseUrl(text('database-url'));
  const path = text('path') ?? SUMMARY_PATH;
  if (!path.startsWith('/')) throw new UsageError(`--path must start with / (got "${path}")`);
  const env = parseEnvList(text('env'));
  let paths = [path];
  if (path.includes(TENANT)) {
    const count = text('tenants');
    if (count === undefined) throw new UsageError(`--path with ${TENANT} needs --tenants (the inventory's tenants)`);
    const tenants = tenantIds(parseCount('seed', text('seed') ?? '1', { min: 0 }), parseCount('tenants', count));
    const random = new Random(1);
    paths = Array.from({ length: 500 }, () => path.split(TENANT).join(tenants[random.below(tenants.length)]));
  }
  return {
    databaseUrl,
    path,
    paths,
    seconds: parseCount('duration', text('duration') ?? '15', { max: 600 }),
    warmupSeconds: parseCount('warmup', text('warmup') ?? '3', { min: 0, max: 600 }),
    connections: parseCount('connections', text('connections') ?? '50', { max: 10_000 }),
    env,
    token: args.has('token'),
    title: text('title'),
    out: text('out') ?? 'tmp/bench/profile.md',
    append: args.has('append'),
  };
}

/** The placeholder of a random tenant in --path. */
const TENANT = '<tenant>';

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
const loads = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(', ');

/** Profiles the service under load; returns the Markdown section it wrote. */
export async function runProfile(options: ProfileOptions, log: (line: string) => void): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'oc-numbers-profile-'));
  try {
    const token = options.token ? await benchToken() : undefined;
    const env = { ...PRODUCTION_ENV, ...token?.env, ...options.env, DATABASE_URL: options.databaseUrl };
    const headers = token?.headers;
    const server = await spawnService(env, { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] });
    let window: { from: number; to: number };
    let result;
    const loadBefore = loads();
    try {
      if (options.warmupSeconds > 0) {
        log(`Warming up ${options.path} for ${options.warmupSeconds} s`);
        await load({
          baseUrl: server.baseUrl,
          connections: options.connections,
          seconds: options.warmupSeconds,
          paths: options.paths,
          headers,
        });
      }
      log(`Profiling ${options.path} for ${options.seconds} s`);
      // Both clocks are the machine's monotonic one: the samples of the load alone are kept.
      const from = monotonicUs();
      result = await load({
        baseUrl: server.baseUrl,
        connections: options.connections,
        seconds: options.seconds,
        paths: options.paths,
        headers,
      });
      window = { from, to: monotonicUs() };
    } finally {
      await server.stop();
    }
    const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
    if (!file) throw new Error(`The service wrote no CPU profile into ${dir}`);
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    let summary = summarizeProfile(profile, window);
    // Should the clocks not agree, the whole profile (start and stop included) is better than none.
    const whole = summary.sampledMs < options.seconds * 500;
    if (whole) summary = summarizeProfile(profile);
    const changed = Object.entries(options.env).map(([name, value]) => `${name}=${value}`);
    const database = options.databaseUrl.startsWith('sqlite:') ? 'SQLite' : 'PostgreSQL';
    const lines = [
      `## ${options.title ?? `${options.path} on ${database}`}`,
      '',
      `${new Date().toISOString()}: \`GET ${options.path}\` on ${database}, ${options.connections} connections, ` +
        `${options.warmupSeconds} s warm-up, ${options.seconds} s profiled; the benchmark's production settings` +
        (changed.length > 0 ? ` but \`${changed.join(' ')}\`` : '') +
        (options.token ? ', with `AUTH_MODE=jwt` and a bearer token on every request' : '') +
        `. Load average (1, 5, 15 min) before ${loadBefore}, after ${loads()}: the machine is shared, so the ` +
        'proportions matter, not the absolute figures.',
      '',
      `Under the profiler: ${Math.round(result.requestsPerSecond).toLocaleString('en-US')} req/s, p50 ${result.p50.toFixed(2)} ms, ` +
        `p99 ${result.p99.toFixed(2)} ms, max ${(result.max ?? NaN).toFixed(1)} ms, ${result.errors} errors; ` +
        `${((summary.busyMs * 1000) / Math.max(1, result.requestsPerSecond * options.seconds)).toFixed(0)} µs busy per request.` +
        (whole ? ' (The whole profile, start and stop included: its clock did not match this one.)' : ''),
      '',
      ...profileTables(summary),
      '',
    ];
    const section = lines.join('\n');
    mkdirSync(dirname(options.out) || '.', { recursive: true });
    const before =
      options.append && existsSync(options.out) ? readFileSync(options.out, 'utf8').trimEnd() + '\n\n' : '';
    writeFileSync(options.out, before + section);
    log(`Wrote ${options.out}`);
    return section;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function main(
  argv: readonly string[],
  output: Output = { out: process.stdout, err: process.stderr },
): Promise<number> {
  return runCommand(
    {
      name: 'bench:profile',
      usage: PROFILE_USAGE,
      parse: () => parseProfileArgs(argv),
      run: async (options) => {
        await runProfile(options, (line) => output.out.write(`${line}\n`));
      },
    },
    output,
  );
}
