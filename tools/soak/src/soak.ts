// Soak test (not part of CI): the built service on a PostgreSQL this tool owns (embedded), under
// 50 concurrent connections for 60 s, with the database stopped for 10 s in the middle. Reports
// requests, status counts, latency percentiles, the recovery time after the database returned
// and the service's RSS at start and end.
//
//   npm run soak -- [--duration=60] [--connections=50] [--outage-at=25] [--outage=10]
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import {
  type OwnedPostgres,
  type ServerProcess,
  startOwnedPostgres,
  startServer,
  withPostgres,
} from '@oc-numbers/testing';

const USAGE = 'Usage: npm run soak -- [--duration=60] [--connections=50] [--outage-at=25] [--outage=10]';
const TENANTS = ['6f9619ff-8b86-d011-b42d-00cf4fc964ff', '0f8fad5b-d9cb-469f-a165-70867728950e', undefined];

interface Settings {
  readonly durationS: number;
  readonly connections: number;
  readonly outageAtS: number;
  readonly outageS: number;
}

function settings(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '60' },
      connections: { type: 'string', default: '50' },
      'outage-at': { type: 'string', default: '25' },
      outage: { type: 'string', default: '10' },
    },
  });
  const number = (name: keyof typeof values) => {
    const value = Number(values[name]);
    if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} must be a whole number of at least 1`);
    return value;
  };
  return {
    durationS: number('duration'),
    connections: number('connections'),
    outageAtS: number('outage-at'),
    outageS: number('outage'),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const rssMiB = (pid: number) => {
  const kib = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return Math.round((kib / 1024) * 10) / 10;
};
const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 23)}] ${message}`);

/** Some numbers, so the summary counts real rows. */
async function seed(databaseUrl: string): Promise<void> {
  await withPostgres(databaseUrl, (client) =>
    client.query(`
      INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status)
      SELECT '+1206' || lpad(i::text, 7, '0'),
             (ARRAY['${TENANTS[0]}', '${TENANTS[1]}', NULL])[1 + i % 3]::uuid,
             i % 4
      FROM generate_series(1, 20000) AS i`),
  );
}

async function soak(options: Settings, postgres: OwnedPostgres, service: ServerProcess): Promise<boolean> {
  const { durationS, connections, outageAtS, outageS } = options;
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const url = new URL(service.baseUrl);
  const get = (path: string) =>
    new Promise<{ status: string; ms: number }>((done) => {
      const started = performance.now();
      const request = http.get({ host: url.hostname, port: url.port, path, agent, timeout: 15_000 }, (response) => {
        response.resume();
        response.on('end', () => done({ status: String(response.statusCode), ms: performance.now() - started }));
      });
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', (error: NodeJS.ErrnoException) =>
        done({ status: `error:${error.code ?? error.message}`, ms: performance.now() - started }),
      );
    });

  await sleep(1000);
  const rssStart = rssMiB(service.pid);
  log(
    `RSS at start ${rssStart} MiB; ${connections} connections for ${durationS} s, outage at ${outageAtS} s for ${outageS} s`,
  );

  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  const counts: Record<string, number> = {};
  const latencies: number[] = [];
  const outageLatencies: number[] = [];
  let total = 0;
  let dbDownAt: number | undefined;
  let dbBackAt: number | undefined;
  let firstOkAfterBack: number | undefined;
  let lastFailureAt: number | undefined;

  async function worker(i: number) {
    for (let n = i; elapsed() < durationS; n++) {
      const tenant = TENANTS[n % TENANTS.length];
      const sentAt = elapsed();
      const { status, ms } = await get(
        `/api/v3/oc/numbers/removal-status/summary${tenant ? `?msTenantId=${tenant}` : ''}`,
      );
      total++;
      counts[status] = (counts[status] ?? 0) + 1;
      latencies.push(ms);
      if (dbDownAt !== undefined && dbBackAt === undefined) outageLatencies.push(ms);
      if (status !== '200') lastFailureAt = elapsed();
      if (status === '200' && dbBackAt !== undefined && firstOkAfterBack === undefined && sentAt >= dbBackAt) {
        firstOkAfterBack = elapsed();
      }
    }
  }

  const outage = (async () => {
    await sleep(outageAtS * 1000);
    log('stopping PostgreSQL');
    const downAt = elapsed();
    dbDownAt = downAt;
    await postgres.stop();
    log(`PostgreSQL stopped (${(elapsed() - downAt).toFixed(2)} s to stop)`);
    await sleep(outageS * 1000 - (elapsed() - downAt) * 1000);
    log('starting PostgreSQL');
    await postgres.start();
    dbBackAt = elapsed();
    log('PostgreSQL accepts connections again');
  })();

  const rssSamples: number[] = [];
  const sampler = setInterval(() => service.exitCode() === null && rssSamples.push(rssMiB(service.pid)), 1000);
  await Promise.all([...Array.from({ length: connections }, (_, i) => worker(i)), outage]);
  clearInterval(sampler);
  agent.destroy();
  const seconds = elapsed();
  const alive = service.exitCode() === null;
  const rssEnd = alive ? rssMiB(service.pid) : NaN;

  latencies.sort((a, b) => a - b);
  outageLatencies.sort((a, b) => a - b);
  const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
  const since = (at: number | undefined) =>
    at === undefined || dbBackAt === undefined ? '-' : `${((at - dbBackAt) * 1000).toFixed(0)} ms`;
  console.log('\n=== soak report');
  console.log(`duration            ${seconds.toFixed(1)} s, ${connections} connections`);
  console.log(`requests            ${total} (${Math.round(total / seconds)}/s)`);
  console.log(`status counts       ${JSON.stringify(counts)}`);
  console.log(
    `latency             p50 ${fmt(percentile(latencies, 50))}, p99 ${fmt(percentile(latencies, 99))}, max ${fmt(latencies.at(-1) ?? NaN)}`,
  );
  console.log(
    `during the outage   ${outageLatencies.length} requests, p99 ${fmt(percentile(outageLatencies, 99))}, max ${fmt(outageLatencies.at(-1) ?? NaN)}`,
  );
  console.log(`database down       ${dbDownAt?.toFixed(1)} s → back ${dbBackAt?.toFixed(1)} s`);
  console.log(
    `recovery            first 200 ${firstOkAfterBack === undefined ? 'never' : `${since(firstOkAfterBack)}`} after the database was back; ` +
      `last failure at ${lastFailureAt?.toFixed(2) ?? '-'} s (${since(lastFailureAt)} after it was back)`,
  );
  console.log(
    `RSS                 start ${rssStart} MiB, end ${rssEnd} MiB, peak ${Math.max(...rssSamples, rssEnd)} MiB`,
  );
  console.log(`RSS every 10 s      ${rssSamples.filter((_, i) => i % 10 === 9).join(', ')} MiB`);
  return (
    alive &&
    firstOkAfterBack !== undefined &&
    Object.keys(counts).every((status) => status === '200' || status === '503')
  );
}

async function main(): Promise<number> {
  let options: Settings;
  try {
    options = settings(process.argv.slice(2));
  } catch (error) {
    console.error(`soak: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  const postgres = await startOwnedPostgres();
  let service: ServerProcess | undefined;
  try {
    log(`PostgreSQL (embedded, owned by this tool) at ${new URL(postgres.url).host}`);
    // LOG_LEVEL=warn: no line per request under load.
    let serviceLines = 0;
    service = await startServer(
      {
        NODE_ENV: 'production',
        // The soak measures the service's storage under load, not its authentication.
        AUTH_MODE: 'none',
        DATABASE_URL: postgres.url,
        LOG_LEVEL: 'warn',
        RATE_LIMIT_ENABLED: 'false',
        DATABASE_CONNECT_TIMEOUT_MS: '1000',
        DATABASE_STATEMENT_TIMEOUT_MS: '2000',
      },
      {
        probePath: '/health/live',
        timeoutMs: 30_000,
        onOutput: (text) => (serviceLines += text.split('\n').length - 1),
      },
    );
    log(`service pid ${service.pid} at ${service.baseUrl}`);
    await seed(postgres.url);
    const passed = await soak(options, postgres, service);
    const alive = service.exitCode() === null;
    console.log(
      `service             ${alive ? 'still running, no restart' : `EXITED with ${service.exitCode()}`}; ${serviceLines} log lines (LOG_LEVEL=warn)`,
    );
    if (alive) console.log(`SIGTERM             service exited with ${await service.stop()}`);
    console.log(passed ? 'soak passed: only 200 and 503, recovered without a restart' : 'soak FAILED');
    return passed ? 0 : 1;
  } finally {
    await service?.stop();
    await postgres.dispose();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
