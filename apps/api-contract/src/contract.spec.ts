import { createOcNumbersClient, OcNumbersApiError } from '@oc-numbers/client';
import {
  Contract,
  expectProblem,
  insertNumbers,
  jwtAuthEnv,
  onPostgresServer,
  type TestIssuer,
  testIssuer,
  type TestDatabase,
  type TestDatabaseKind,
  withSql,
} from '@oc-numbers/testing';
import { type Exchange, send, sendSlowly, SUITE_TOKEN } from './exchange';
import { prismVerdict } from './prism';
import { type Credentials, type Fault, FIXTURE, type Scenario, SCENARIOS, SUMMARY } from './scenarios';
import { REMOTE_BASE_URL } from './settings';
import { msTenantIdValues, SummaryRules } from './summary-rules';
import { type Target, startTarget, targetNames } from './targets';

const contract = new Contract();

describe.each(targetNames())('the service on %s holds to the contract', (name) => {
  let target: Target;
  /** The rules every 200 summary keeps, whatever the data (with or without a database of the suite's own). */
  let rules: SummaryRules;
  /** operationId → statuses the scenarios reached. */
  const reached = new Map<string, Set<string>>();
  const applies = (s: Scenario) => !s.kinds || s.kinds.includes(name as TestDatabaseKind);
  const notRun = [
    ...SCENARIOS.filter((s) => needsOwnInstance(s) && REMOTE_BASE_URL).map(
      (s) => `${s.name} (${s.fault?.description ?? ownInstanceReason(s)})`,
    ),
    ...SCENARIOS.filter((s) => !REMOTE_BASE_URL && !applies(s)).map(
      (s) => `${s.name} (only on ${s.kinds?.join(', ')})`,
    ),
  ];
  /** An instance with a rate limit of 1, for the 429 scenarios; started when the first needs it. */
  let limited: Target | undefined;
  /** An instance with a request timeout of 1 s, for the 408 scenarios; started when the first needs it. */
  let impatient: Target | undefined;
  /**
   * An instance with AUTH_MODE=jwt that trusts `issuer`, with /metrics and the docs closed to
   * callers without a read role, on a database with the fixture: for the scenarios with
   * credentials. Started when the first needs it.
   */
  let secured: Target | undefined;
  /**
   * The issuer `secured` trusts, and an impostor that signs with a key of its own under the same
   * issuer name and key id: its tokens fail verification.
   */
  let issuers: Issuers | undefined;

  beforeAll(async () => {
    target = await startTarget(name);
    rules = new SummaryRules(target.baseUrl);
    if (target.database) await insertNumbers(target.database, FIXTURE);
  });
  afterAll(async () => {
    await limited?.stop();
    await impatient?.stop();
    await secured?.stop();
    await target?.stop();
  });

  for (const scenario of SCENARIOS.filter(applies)) {
    // A fault, a rate limit of 1 or a short request timeout needs an instance the suite owns:
    // against --base-url it is reported and skipped.
    const test = needsOwnInstance(scenario) && REMOTE_BASE_URL ? it.skip : it;
    test(`${scenario.operationId}: ${scenario.name} → ${scenario.status}`, async () => {
      const operation = contract.operationById(scenario.operationId);
      const request: Parameters<typeof send>[1] & { token?: string | null } = {
        method: scenario.method ?? operation.method,
        path: pathOf(operation.path, scenario.pathParams),
        ...scenario.request,
      };
      if (scenario.rateLimited) {
        // One request a day: windows are aligned to the clock, so a day-long one only rolls over
        // at midnight UTC.
        limited ??= await startTarget(
          name,
          { RATE_LIMIT_MAX: '1', RATE_LIMIT_WINDOW_MS: '86400000', LOG_LEVEL: 'error' },
          { prism: false },
        );
      }
      if (scenario.slowClient) {
        impatient ??= await startTarget(name, { REQUEST_TIMEOUT_MS: '1000', LOG_LEVEL: 'error' }, { prism: false });
      }
      if (scenario.credentials && !issuers) {
        const issuer = await testIssuer();
        const impostor = await testIssuer({ issuer: issuer.issuer, audience: issuer.audience, kid: issuer.kid });
        secured = await startTarget(name, {
          ...jwtAuthEnv(issuer),
          METRICS_ACCESS: 'token',
          DOCS_ACCESS: 'token',
          LOG_LEVEL: 'error',
        });
        if (secured.database) await insertNumbers(secured.database, FIXTURE);
        issuers = { issuer, impostor };
      }
      if (scenario.credentials && issuers) {
        request.token = await tokenFor(scenario.credentials, issuers);
      }
      const to =
        (scenario.rateLimited && limited) ||
        (scenario.slowClient && impatient) ||
        (scenario.credentials && secured) ||
        target;
      let exchange = await withFault(target, scenario, () =>
        scenario.slowClient ? sendSlowly(to.baseUrl, request) : send(to.baseUrl, request),
      );
      if (scenario.rateLimited && exchange.status !== scenario.status) {
        // The window rolled over since the last request spent it: this one spent the new window,
        // so the next is over the limit.
        exchange = await send(to.baseUrl, request);
      }
      expectScenario(scenario, exchange, operation.method, operation.path, !!to.database);
      if (!scenario.credentials) await expectSummaryRules(rules, scenario, exchange);
      const statuses = reached.get(scenario.operationId) ?? new Set<string>();
      statuses.add(String(exchange.status));
      reached.set(scenario.operationId, statuses);

      const { prismUrl } = scenario.credentials ? to : target;
      if (prismUrl && !scenario.bypassPrism && !scenario.rateLimited) {
        const proxied = await withFault(target, scenario, () => send(prismUrl, request));
        const verdict = prismVerdict(proxied.body);
        if (verdict && !(verdict.kind === 'UNPROCESSABLE_ENTITY' && scenario.status === 400)) {
          throw new Error(`Prism reports ${verdict.kind} for "${scenario.name}": ${verdict.violations}`);
        }
        if (!verdict) {
          expectScenario(scenario, proxied, operation.method, operation.path, !!to.database);
          if (!scenario.credentials) await expectSummaryRules(rules, scenario, proxied);
        }
      }

      if (isFacadeRequest(scenario)) {
        await expectFacade(target.baseUrl, scenario, exchange);
      }
    });
  }

  it('reaches every response the contract documents, and only those', () => {
    const missing = contract.operations().flatMap((operation) =>
      operation.statuses
        .filter((status) => !reached.get(operation.operationId)?.has(status))
        .filter((status) => target.database || !needsOwnedInstance(operation.operationId, status))
        .filter((status) => REMOTE_BASE_URL || reachableOn(name, operation.operationId, status))
        .map((status) => `${operation.method.toUpperCase()} ${operation.path} ${status}`),
    );
    expect(missing).toEqual([]);
    if (notRun.length > 0) {
      process.stdout.write(`Not run against ${name}: ${notRun.join('; ')}\n`);
    }
  });

  it('answers an unknown route with a 404 problem', async () => {
    const exchange = await send(target.baseUrl, { method: 'GET', path: '/api/v3/oc/numbers/no-such-operation' });
    expectProblem(exchange, 404, 'NOT_FOUND');
    expect(contract.checkSchema('ProblemDetails', exchange.body)).toEqual([]);
  });
});

function expectScenario(scenario: Scenario, exchange: Exchange, method: string, path: string, owned: boolean): void {
  expect({ status: exchange.status, problems: contract.check(method, path, exchange) }).toEqual({
    status: scenario.status,
    problems: [],
  });
  if (owned && scenario.body !== undefined) expect(exchange.body).toEqual(scenario.body);
  if (scenario.bodyMatches) expect(exchange.body).toMatchObject(scenario.bodyMatches);
  if (owned && scenario.bodyMatchesOwned) expect(exchange.body).toMatchObject(scenario.bodyMatchesOwned);
  for (const [header, value] of Object.entries(scenario.headers ?? {})) {
    expect(exchange.headers[header]).toBe(value);
  }
}

/**
 * The operation's path with the scenario's parameters filled in, percent-encoded; parameters the
 * scenario gives with its request (`request.pathParams`) are filled in when it is sent.
 */
function pathOf(template: string, parameters: Readonly<Record<string, string>> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = parameters[name];
    return value === undefined ? whole : encodeURIComponent(value);
  });
}

/** A 200 summary keeps the rules that hold whatever the data. */
async function expectSummaryRules(rules: SummaryRules, scenario: Scenario, exchange: Exchange): Promise<void> {
  if (scenario.operationId !== SUMMARY || exchange.status !== 200) return;
  const broken = await rules.check(exchange.body, msTenantIdValues(scenario.request));
  if (broken.length > 0) throw new Error(`The summary breaks the contract's rules:\n${broken.join('\n')}`);
}

/** The scenarios the client's facade can express: at most one msTenantId and nothing else. */
function isFacadeRequest(scenario: Scenario): boolean {
  const { query, rawQuery, headers } = scenario.request;
  const keys = Object.keys(query ?? {});
  return (
    scenario.operationId === SUMMARY &&
    !scenario.credentials &&
    !scenario.rateLimited &&
    !scenario.slowClient &&
    !scenario.method &&
    !rawQuery &&
    !headers &&
    !scenario.fault &&
    keys.every((k) => k === 'msTenantId') &&
    typeof query?.msTenantId !== 'object'
  );
}

/** The facade resolves to the same summary, or rejects with the same status and problem. */
async function expectFacade(baseUrl: string, scenario: Scenario, exchange: Exchange): Promise<void> {
  const client = createOcNumbersClient({ baseUrl, token: SUITE_TOKEN });
  const msTenantId = scenario.request.query?.msTenantId as string | undefined;
  const outcome = await client.getRemovalStatusSummary(msTenantId === undefined ? {} : { msTenantId }).then(
    (data) => ({ status: 200, body: data as unknown }),
    (error: unknown) => {
      if (!(error instanceof OcNumbersApiError)) throw error;
      return { status: error.status, body: error.problem as unknown };
    },
  );
  expect(outcome.status).toBe(exchange.status);
  const body = exchange.body as Record<string, unknown>;
  if (exchange.status === 200) {
    expect(outcome.body).toEqual(body);
  } else {
    expect(outcome.body).toMatchObject({ status: body.status, title: body.title, errorCode: body.errorCode });
  }
}

async function withFault<T>(target: Target, scenario: Scenario, work: () => Promise<T>): Promise<T> {
  const { fault } = scenario;
  if (!fault || !target.database) return work();
  await runFault(target.database, fault, fault.before);
  try {
    return await work();
  } finally {
    await runFault(target.database, fault, fault.after);
  }
}

async function runFault(database: TestDatabase, fault: Fault, sql: string | readonly string[]): Promise<void> {
  for (const statement of typeof sql === 'string' ? [sql] : sql) {
    if (fault.onServer) await onPostgresServer(database.url, statement);
    else await withSql(database, (query) => query(statement));
  }
}

/** The statuses that only scenarios needing an instance of the suite's own reach. */
function needsOwnedInstance(operationId: string, status: string): boolean {
  const scenarios = SCENARIOS.filter((s) => s.operationId === operationId && String(s.status) === status);
  return scenarios.length > 0 && scenarios.every(needsOwnInstance);
}

/** Whether the scenario needs an instance of the suite's own (to break it, or with settings of its own). */
function needsOwnInstance(scenario: Scenario): boolean {
  return !!(
    scenario.fault ||
    scenario.rateLimited ||
    scenario.slowClient ||
    scenario.changesData ||
    scenario.credentials
  );
}

function ownInstanceReason(scenario: Scenario): string {
  if (scenario.changesData) return scenario.changesData;
  if (scenario.credentials) return "needs an instance with AUTH_MODE=jwt that trusts the suite's issuer";
  return scenario.slowClient
    ? 'needs an instance with a short request timeout'
    : 'needs an instance with a rate limit of 1';
}

/** Whether some scenario reaches this status on this kind of database. */
function reachableOn(kind: string, operationId: string, status: string): boolean {
  const scenarios = SCENARIOS.filter((s) => s.operationId === operationId && String(s.status) === status);
  return scenarios.length === 0 || scenarios.some((s) => !s.kinds || s.kinds.includes(kind as TestDatabaseKind));
}

/** The bearer token of a scenario's credentials: none, one the instance cannot verify, or one of `issuer`. */
interface Issuers {
  readonly issuer: TestIssuer;
  readonly impostor: TestIssuer;
}

async function tokenFor(credentials: Credentials, { issuer, impostor }: Issuers): Promise<string | null> {
  if (credentials === 'none') return null;
  if (credentials === 'unknownKey') return impostor.mint({ roles: ['OcNumbers.ReadWrite.All'], azp: 'contract-suite' });
  const { roles, tenants = [] } = credentials;
  return issuer.mint({
    roles: [...roles],
    azp: 'contract-suite',
    ...(tenants.length > 0 && { tid: tenants.length === 1 ? tenants[0] : [...tenants] }),
  });
}
