import {
  createTestDatabase,
  type ServerProcess,
  startServer,
  type TestDatabase,
  workspaceRoot,
} from '@oc-numbers/testing';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = workspaceRoot();
const packageDir = join(root, 'dist/libs/client');

/** A usage example, type-checked against the installed package as a user's project would. */
const USAGE_TS = `
import { createOcNumbersClient, OcNumbersApiError, type RemovalStatusSummary } from '@oc-numbers/client';

const client = createOcNumbersClient({ baseUrl: 'http://127.0.0.1:3000' });
const summary: RemovalStatusSummary = await client.getRemovalStatusSummary({ msTenantId: '6f9619ff-8b86-d011-b42d-00cf4fc964ff' });
const total: number = summary.totalCount;
const metrics: string = await client.getMetrics({ signal: AbortSignal.timeout(5000) });
try {
  await client.getRemovalStatusSummary({ msTenantId: 'nope' });
} catch (error) {
  if (error instanceof OcNumbersApiError) {
    const code: string | undefined = error.problem?.errorCode;
    console.log(JSON.stringify({ total, status: error.status, code }));
  }
}
// @ts-expect-error msTenantId is a string
await client.getRemovalStatusSummary({ msTenantId: 42 });
// @ts-expect-error the contract has no such field
summary.totalCounts;
`;

/** Packs a package folder into `destination`; returns the tarball's file name. */
function pack(folder: string, destination: string): string {
  return execFileSync('npm', ['pack', folder, '--pack-destination', destination, '--ignore-scripts', '--silent'], {
    encoding: 'utf8',
  }).trim();
}

/** The folder of `name` as Node finds it from `from`: in the nearest node_modules that holds it. */
function installedPackage(name: string, from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`${name} is not installed (looked from ${from})`);
  }
}

/**
 * Packs the dependencies of a package, and theirs, from the node_modules that npm ci filled:
 * npm overrides that point each at its tarball let npm install the package with --offline, from
 * an empty cache, without a registry.
 */
function packDependencies(packageFolder: string, destination: string): Record<string, string> {
  const overrides: Record<string, string> = {};
  const pending = [packageFolder];
  for (let folder = pending.pop(); folder; folder = pending.pop()) {
    const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      if (name in overrides) continue;
      const found = installedPackage(name, folder);
      overrides[name] = `file:deps/${pack(found, destination)}`;
      pending.push(found);
    }
  }
  return overrides;
}

describe('the client package as users install it', () => {
  let project: string;
  let database: TestDatabase;
  let server: ServerProcess;

  beforeAll(async () => {
    if (!existsSync(join(packageDir, 'package.json'))) {
      throw new Error(`${packageDir} is missing: build it first (npx nx build client)`);
    }
    project = mkdtempSync(join(tmpdir(), 'oc-numbers-client-user-'));
    const deps = join(project, 'deps');
    mkdirSync(deps);
    const tarball = pack(packageDir, deps);
    const overrides = packDependencies(packageDir, deps);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'client-user', private: true, type: 'module', overrides }),
    );
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', `./deps/${tarball}`], {
      cwd: project,
      stdio: 'pipe',
    });
    database = await createTestDatabase('sqlite');
    server = await startServer({ DATABASE_URL: database.url, LOG_LEVEL: 'error' });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await database?.drop();
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it('ships ESM and CommonJS entry points, declarations and the README, and nothing of the workspace', () => {
    const installed = join(project, 'node_modules/@oc-numbers/client');
    expect(readdirSync(installed).sort()).toEqual([
      'README.md',
      'contracts',
      'index.cjs',
      'index.d.ts',
      'index.mjs',
      'package.json',
    ]);
    expect(readdirSync(join(project, 'node_modules/@oc-numbers'))).toEqual(['client']);
  });

  it('type-checks a usage example against the installed package', () => {
    writeFileSync(join(project, 'usage.ts'), USAGE_TS);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'node16',
          moduleResolution: 'node16',
          target: 'es2022',
          lib: ['es2022', 'dom'],
          types: [],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
        },
        files: ['usage.ts'],
      }),
    );
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const typecheck = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
    expect({ status: typecheck.status, output: typecheck.stdout + typecheck.stderr }).toEqual({
      status: 0,
      output: '',
    });
  });

  it.each([
    ['an ES module', 'run.mjs', "import { createOcNumbersClient, OcNumbersApiError } from '@oc-numbers/client';"],
    ['CommonJS', 'run.cjs', "const { createOcNumbersClient, OcNumbersApiError } = require('@oc-numbers/client');"],
  ])('calls the running service from %s', (_kind, file, load) => {
    writeFileSync(
      join(project, file),
      `${load}
(async () => {
  const client = createOcNumbersClient({ baseUrl: process.argv[2] });
  const summary = await client.getRemovalStatusSummary();
  const error = await client.getRemovalStatusSummary({ msTenantId: 'nope' }).catch((e) => e);
  console.log(JSON.stringify({ summary, isApiError: error instanceof OcNumbersApiError, status: error.status, code: error.problem.errorCode }));
})();
`,
    );
    const output = execFileSync(process.execPath, [join(project, file), server.baseUrl], { encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual({
      summary: { markedForRemovalCount: 0, readyForRemovalCount: 0, totalCount: 0 },
      isApiError: true,
      status: 400,
      code: 'INVALID_MS_TENANT_ID',
    });
  });
});
