// The generator against a fixture contract (fixtures/lifecycle.yaml) with the shapes the facade
// must handle: the facade it writes type-checks against openapi-typescript's output of the same
// contract, and, run against a local HTTP server, sends and reads what the contract says.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { parse } from 'yaml';
import { describeOperations, mediaSuffix, planFunctions, renderClient } from './render.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
const SCRIPT = join(here, 'client-gen.mjs');
const FIXTURE = join(here, 'fixtures/lifecycle.yaml');
const TENANT = '6f9619ff-8b86-d011-b42d-00cf4fc964ff';
const PROBLEM = {
  type: 'urn:oc-numbers:problem:mass-removal-guard',
  title: 'Mass removal guard',
  status: 409,
  detail: 'Would mark 5 of 10 Active numbers.',
  instance: `/api/v3/oc/tenants/${TENANT}/numbers/reconcile`,
  errorTicket: '0b6c3f0e-4a53-4b7e-9a59-0c5d6f1b2a11',
  errorCode: 'MASS_REMOVAL_GUARD',
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
};

/** Runs the generator's command line; its exit status and output. */
function run(...args) {
  const { status, stdout, stderr } = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' });
  return { status, stdout, stderr };
}

/** Compile errors of `files` (strict, as the workspace compiles), one line each. */
function typeErrors(files) {
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ES2022,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    types: [],
    skipLibCheck: true,
    exactOptionalPropertyTypes: false,
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
}

/** Compile-time checks of the fixture's facade, written as a user would call it. */
const USAGE = `
import { createOcNumbersClient, type OcNumbersClient } from './client';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
export type Checks = [
  Expect<Equal<Awaited<ReturnType<OcNumbersClient['listNumbersCsv']>>, ReadableStream<Uint8Array>>>,
  Expect<Equal<Awaited<ReturnType<OcNumbersClient['getMetrics']>>, string>>,
  Expect<Equal<Awaited<ReturnType<OcNumbersClient['deleteWidget']>>, void>>,
  Expect<Equal<Awaited<ReturnType<OcNumbersClient['getReport']>>, { tenant?: string } | undefined>>,
  Expect<Equal<OcNumbersClient['getHistory'], OcNumbersClient['getNumberHistory']>>,
];

export async function usage(client: OcNumbersClient = createOcNumbersClient({ baseUrl: 'http://127.0.0.1' })) {
  const done = await client.reconcileTenantNumbers({ msTenantId: '${TENANT}' }, { acquiredNumbers: ['+12065550100'] }, { dryRun: true });
  const marked: number = done.markedCount;
  await client.reconcileTenantNumbersCsv({ msTenantId: '${TENANT}' }, '+12065550100\\n');
  const page = await client.listNumbers({ acquiredNumberStatus: ['Active', 'MarkedForRemoval'] });
  const total: number = page.totalRecords;
  await client.getReport({ tenant: 'x' }, { signal: AbortSignal.timeout(1000), headers: { traceparent: 't' } });
  await client.getMetrics({ headers: { 'x-a': 'b' } });
  createOcNumbersClient({ baseUrl: 'http://127.0.0.1', token: 'eyJ' });
  createOcNumbersClient({ baseUrl: 'http://127.0.0.1', token: () => 'eyJ' });
  createOcNumbersClient({ baseUrl: 'http://127.0.0.1', token: async () => 'eyJ' });
  // @ts-expect-error a token is a string, or a function that gives one
  createOcNumbersClient({ baseUrl: 'http://127.0.0.1', token: 42 });
  // @ts-expect-error the JSON form takes the JSON body, not CSV text
  await client.reconcileTenantNumbers({ msTenantId: '${TENANT}' }, '+12065550100');
  // @ts-expect-error not a status of the contract
  await client.listNumbers({ acquiredNumberStatus: ['Gone'] });
  // @ts-expect-error the path parameters are required
  await client.getNumberHistory();
  // @ts-expect-error a required query parameter
  await client.getReport();
  return { marked, total };
}
`;

describe('the generated facade of the fixture contract', () => {
  const work = join(root, 'tmp', `client-gen-spec-${process.pid}`);
  const config = join(work, 'client-gen.json');
  const output = join(work, 'client.ts');
  let client;
  let server;
  let baseUrl;
  /** The requests the server got: method, url, headers and body. */
  const requests = [];
  /** What the server answers next: [status, content type, body]. */
  let answer;

  beforeAll(async () => {
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    writeFileSync(join(work, 'openapi.ts'), astToString(await openapiTS(pathToFileURL(FIXTURE))));
    writeFileSync(
      join(work, 'contracts.ts'),
      "import type { components } from './openapi';\nexport type * from './openapi';\nexport type ProblemDetails = components['schemas']['ProblemDetails'];\n",
    );
    writeFileSync(
      config,
      JSON.stringify({
        spec: FIXTURE,
        output: './client.ts',
        contracts: './contracts',
        aliases: { getHistory: 'getNumberHistory' },
        command: 'node tools/client-gen/client-gen.mjs --config client-gen.json',
      }),
    );
    expect(run('--config', config)).toMatchObject({
      status: 0,
      stdout: `Wrote ${relative(root, join(work, 'client.ts'))}\n`,
    });
    writeFileSync(join(work, 'usage.ts'), USAGE);

    // The facade as JavaScript: the types erased, nothing else changed.
    const { outputText } = ts.transpileModule(readFileSync(output, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
    });
    writeFileSync(join(work, 'client.mjs'), outputText);
    client = (await import(pathToFileURL(join(work, 'client.mjs')).href)).createOcNumbersClient;

    server = createServer(async (request, response) => {
      const chunks = [];
      for await (const chunk of request) chunks.push(chunk);
      requests.push({
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const [status, type, body] = answer;
      response.writeHead(status, type ? { 'content-type': type } : {});
      response.end(body);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    baseUrl = `http://127.0.0.1:${server.address().port}`;
  }, 60_000);

  afterAll(async () => {
    server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  beforeEach(() => {
    requests.length = 0;
  });

  /** The one request the last call sent. */
  const sent = () => {
    expect(requests).toHaveLength(1);
    return requests[0];
  };

  it('starts with a header that says it is generated, from what and by which command', () => {
    const text = readFileSync(output, 'utf8');
    expect(text.startsWith('/**\n * GENERATED FILE: do not edit. Written by tools/client-gen from')).toBe(true);
    expect(text.slice(0, 400)).toContain('node tools/client-gen/client-gen.mjs --config client-gen.json');
    expect(text.slice(0, 400)).toContain('tools/client-gen/fixtures/lifecycle.yaml');
  });

  it('type-checks, with every function typed by the contract', () => {
    expect(typeErrors([output, join(work, 'usage.ts')])).toEqual([]);
  });

  it('documents each function with the summary and description of its operation', () => {
    const text = readFileSync(output, 'utf8');
    expect(text).toContain("   * Reconcile a tenant's numbers\n   *\n   * Takes the complete list of numbers");
    expect(text).toContain('A comment that closes early *\\/ stays inside the comment.');
    expect(text).toContain('this form sends the body as `text/csv`');
    expect(text).toContain('@deprecated');
  });

  it('posts a JSON body, with the path and query parameters, and resolves to the parsed answer', async () => {
    answer = [200, 'application/json', JSON.stringify({ reconciliationId: TENANT, markedCount: 2, dryRun: true })];
    const result = await client({ baseUrl }).reconcileTenantNumbers(
      { msTenantId: TENANT },
      { acquiredNumbers: ['+12065550100', '+12065550101'] },
      { dryRun: true, confirmMassRemoval: false },
    );
    expect(result).toEqual({ reconciliationId: TENANT, markedCount: 2, dryRun: true });
    const request = sent();
    expect(request).toMatchObject({
      method: 'POST',
      url: `/api/v3/oc/tenants/${TENANT}/numbers/reconcile?dryRun=true&confirmMassRemoval=false`,
      body: '{"acquiredNumbers":["+12065550100","+12065550101"]}',
    });
    expect(request.headers['content-type']).toBe('application/json');
  });

  it('posts CSV text as it is, as text/csv, from the CSV form of the same operation', async () => {
    answer = [200, 'application/json', JSON.stringify({ reconciliationId: TENANT, markedCount: 0 })];
    const csv = 'telephoneNumber\n+12065550100\n+12065550101\n';
    await expect(client({ baseUrl }).reconcileTenantNumbersCsv({ msTenantId: TENANT }, csv)).resolves.toEqual({
      reconciliationId: TENANT,
      markedCount: 0,
    });
    expect(sent()).toMatchObject({
      method: 'POST',
      url: `/api/v3/oc/tenants/${TENANT}/numbers/reconcile`,
      body: csv,
      headers: expect.objectContaining({ 'content-type': 'text/csv' }),
    });
  });

  it('rejects with OcNumbersApiError carrying the status and the problem of an error answer', async () => {
    const { OcNumbersApiError } = await import(pathToFileURL(join(work, 'client.mjs')).href);
    answer = [409, 'application/problem+json', JSON.stringify(PROBLEM)];
    const error = await client({ baseUrl })
      .reconcileTenantNumbers({ msTenantId: TENANT }, { acquiredNumbers: [] })
      .catch((e) => e);
    expect(error).toBeInstanceOf(OcNumbersApiError);
    expect(error).toMatchObject({ name: 'OcNumbersApiError', status: 409, problem: PROBLEM });
    expect(error.message).toContain(PROBLEM.errorTicket);

    // An answer that is no problem details (a proxy's page): the status, and no problem.
    answer = [502, 'text/html', '<h1>Bad Gateway</h1>'];
    const proxied = await client({ baseUrl })
      .listNumbersCsv()
      .catch((e) => e);
    expect(proxied).toBeInstanceOf(OcNumbersApiError);
    expect(proxied).toMatchObject({ status: 502, problem: undefined });
  });

  it('percent-encodes a path parameter, so the + of an E.164 number arrives as itself', async () => {
    answer = [200, 'application/json', '{"data":[]}'];
    await expect(
      client({ baseUrl }).getNumberHistory({ telephoneNumber: '+12065550100' }, { page: 2 }),
    ).resolves.toEqual({ data: [] });
    const { url } = sent();
    expect(url).toBe('/api/v3/oc/numbers/%2B12065550100/history?page=2');
    expect(decodeURIComponent(new URL(url, baseUrl).pathname.split('/')[5])).toBe('+12065550100');
  });

  it('repeats a repeatable query parameter, and asks for JSON when the operation could answer CSV', async () => {
    answer = [200, 'application/json', '{"totalRecords":0,"data":[]}'];
    await client({ baseUrl }).listNumbers({ acquiredNumberStatus: ['Active', 'MarkedForRemoval'], msTenantId: TENANT });
    const request = sent();
    expect(request.url).toBe(
      `/api/v3/oc/numbers?acquiredNumberStatus=Active&acquiredNumberStatus=MarkedForRemoval&msTenantId=${TENANT}`,
    );
    expect(request.headers.accept).toBe('application/json');
  });

  it('asks for CSV with Accept from the CSV form, and resolves to the streamed body', async () => {
    const csv = 'telephoneNumber,msTenantId\n+12065550100,' + TENANT + '\n';
    answer = [200, 'text/csv', csv];
    const stream = await client({ baseUrl }).listNumbersCsv({ acquiredNumberStatus: ['ReadyForRemoval'] });
    expect(stream).toBeInstanceOf(ReadableStream);
    expect(await new Response(stream).text()).toBe(csv);
    expect(sent()).toMatchObject({
      url: '/api/v3/oc/numbers?acquiredNumberStatus=ReadyForRemoval',
      headers: expect.objectContaining({ accept: 'text/csv' }),
    });
  });

  it.each([
    ['getMetrics', '/metrics', 'text/plain; version=0.0.4', '# HELP up 1\nup 1\n'],
    ['getApiDocs', '/api/docs', 'text/html; charset=utf-8', '<!doctype html><title>docs</title>'],
    ['getOpenApiYaml', '/api/openapi.yaml', 'application/yaml', 'openapi: 3.1.0\n'],
  ])('%s resolves to the text of a %s answer', async (name, path, type, body) => {
    answer = [200, type, body];
    await expect(client({ baseUrl })[name]()).resolves.toBe(body);
    expect(sent()).toMatchObject({ method: 'GET', url: path });
  });

  it('resolves to undefined for a 204, and for a 2xx answer without a body', async () => {
    answer = [204, undefined, ''];
    await expect(client({ baseUrl }).deleteWidget({ widgetId: 'a/b' })).resolves.toBeUndefined();
    expect(sent()).toMatchObject({ method: 'DELETE', url: '/widgets/a%2Fb' });

    requests.length = 0;
    answer = [202, undefined, ''];
    await expect(client({ baseUrl }).getReport({ tenant: 't' })).resolves.toBeUndefined();
    expect(sent()).toMatchObject({ method: 'GET', url: '/reports?tenant=t' });
  });

  it('posts a JSON body of an action and the alias calls the same function', async () => {
    answer = [200, 'application/json', '{"succeeded":true,"data":{"processedCount":1}}'];
    const facade = client({ baseUrl });
    await expect(facade.markNumbersReadyForRemoval({ telephoneNumbers: ['+12065550100'] })).resolves.toEqual({
      succeeded: true,
      data: { processedCount: 1 },
    });
    expect(sent().body).toBe('{"telephoneNumbers":["+12065550100"]}');
    expect(facade.getHistory).toBe(facade.getNumberHistory);
  });

  it('sends the headers of a call, but keeps the headers that make a form what it is', async () => {
    answer = [200, 'text/csv', 'telephoneNumber\n'];
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const stream = await client({ baseUrl }).listNumbersCsv(undefined, {
      headers: { traceparent, Accept: 'application/json' },
    });
    await new Response(stream).text();
    expect(sent().headers).toMatchObject({ traceparent, accept: 'text/csv' });
  });

  it('sends the token as a bearer token with every request', async () => {
    answer = [200, 'text/plain', 'up 1\n'];
    const facade = client({ baseUrl, token: 'eyJ.static' });
    await facade.getMetrics();
    await facade.getMetrics();
    expect(requests.map((request) => request.headers.authorization)).toEqual([
      'Bearer eyJ.static',
      'Bearer eyJ.static',
    ]);
  });

  it('calls a token provider for each request, and sends what it gives then', async () => {
    answer = [200, 'text/plain', 'up 1\n'];
    let calls = 0;
    const facade = client({ baseUrl, token: async () => `eyJ.${++calls}` });
    await facade.getMetrics();
    await facade.getApiDocs();
    expect(calls).toBe(2);
    expect(requests.map((request) => request.headers.authorization)).toEqual(['Bearer eyJ.1', 'Bearer eyJ.2']);
  });

  it('rejects with the error of a token provider that fails, and sends nothing', async () => {
    answer = [200, 'text/plain', 'up 1\n'];
    const failure = new Error('no token: the identity provider is unreachable');
    await expect(
      client({
        baseUrl,
        token: () => {
          throw failure;
        },
      }).getMetrics(),
    ).rejects.toBe(failure);
    await expect(client({ baseUrl, token: () => Promise.reject(failure) }).getMetrics()).rejects.toBe(failure);
    await expect(client({ baseUrl, token: async () => '' }).getMetrics()).rejects.toThrow(
      'The token provider of the OC Numbers client gave no token',
    );
    expect(requests).toHaveLength(0);
  });

  it.each([
    [401, 'UNAUTHENTICATED', 'Unauthenticated'],
    [403, 'INSUFFICIENT_ROLE', 'Insufficient role'],
  ])('rejects a %s answer with OcNumbersApiError and its problem', async (status, errorCode, title) => {
    const { OcNumbersApiError } = await import(pathToFileURL(join(work, 'client.mjs')).href);
    const problem = { ...PROBLEM, status, errorCode, title, type: `urn:oc-numbers:problem:${title.toLowerCase()}` };
    answer = [status, 'application/problem+json', JSON.stringify(problem)];
    const error = await client({ baseUrl, token: 'eyJ.x' })
      .getReport({ tenant: 't' })
      .catch((e) => e);
    expect(error).toBeInstanceOf(OcNumbersApiError);
    expect(error).toMatchObject({ status, problem });
  });

  it('cancels a call with its signal', async () => {
    answer = [200, 'text/plain', 'up 1\n'];
    const controller = new AbortController();
    controller.abort();
    await expect(client({ baseUrl }).getMetrics({ signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(requests).toHaveLength(0);
  });

  it('--check passes on the file it wrote, and fails on a stale one without touching it', () => {
    expect(run('--config', config, '--check')).toMatchObject({ status: 0 });
    const stale = readFileSync(output, 'utf8').replace('listNumbersCsv(', 'listNumbersCsvOld(');
    writeFileSync(output, stale);
    const { status, stderr } = run('--config', config, '--check');
    expect(status).toBe(1);
    expect(stderr).toContain('client.ts is stale');
    expect(stderr).toContain('run node tools/client-gen/client-gen.mjs --config client-gen.json');
    expect(readFileSync(output, 'utf8')).toBe(stale);

    rmSync(output);
    expect(run('--config', config, '--check').status).toBe(1);
    expect(existsSync(output)).toBe(false);
    expect(run('--config', config).status).toBe(0);
    expect(run('--config', config, '--check').status).toBe(0);
  });
});

describe('the plan of functions', () => {
  const document = parse(readFileSync(FIXTURE, 'utf8'));

  it('has one function per operationId, and one per other media type of a body or an answer', () => {
    expect(planFunctions(describeOperations(document)).map((fn) => fn.name)).toEqual([
      'reconcileTenantNumbers',
      'reconcileTenantNumbersCsv',
      'getNumberHistory',
      'listNumbers',
      'listNumbersCsv',
      'markNumbersReadyForRemoval',
      'deleteWidget',
      'getReport',
      'getMetrics',
      'getApiDocs',
      'getOpenApiYaml',
    ]);
  });

  it.each([
    ['text/csv', 'Csv'],
    ['text/csv; charset=utf-8', 'Csv'],
    ['application/yaml', 'Yaml'],
    ['text/plain', 'Text'],
    ['application/x-ndjson', 'Ndjson'],
    ['application/octet-stream', 'Binary'],
  ])('names the form of %s with the suffix %s', (media, suffix) => {
    expect(mediaSuffix(media)).toBe(suffix);
  });

  const render = (doc, aliases) =>
    renderClient({ document: doc, contracts: './c', aliases, source: 'x.yaml', command: 'npm run generate' });
  const withOperation = (path, operation) => ({ ...document, paths: { ...document.paths, [path]: operation } });
  const ok = { responses: { 200: { description: 'ok' } } };

  it.each([
    ['an operation without an operationId', withOperation('/x', { get: ok }), /needs an operationId/],
    [
      'an operationId that is no identifier',
      withOperation('/x', { get: { ...ok, operationId: 'get-x' } }),
      /identifier/,
    ],
    ['an operationId used twice', withOperation('/x', { get: { ...ok, operationId: 'getMetrics' } }), /used twice/],
    [
      'a form whose name an operation has',
      withOperation('/x', { get: { ...ok, operationId: 'listNumbersCsv' } }),
      /listNumbersCsv is taken/,
    ],
    [
      'a reference to another file',
      withOperation('/x', { get: { ...ok, operationId: 'x', parameters: [{ $ref: 'other.yaml#/p' }] } }),
      /only references within the document/,
    ],
    [
      'no 2xx answer',
      withOperation('/x', { get: { operationId: 'x', responses: { 400: { description: 'no' } } } }),
      /no 2xx response/,
    ],
    [
      'a required header parameter',
      withOperation('/x', {
        get: {
          ...ok,
          operationId: 'x',
          parameters: [{ name: 'X-Key', in: 'header', required: true, schema: { type: 'string' } }],
        },
      }),
      /required header parameter X-Key is not supported/,
    ],
  ])('refuses %s, saying why', (_case, doc, message) => {
    expect(() => render(doc)).toThrow(message);
  });

  it('refuses an alias of a function the contract does not have, or one that takes a function name', () => {
    expect(() => render(document, { getOld: 'getGone' })).toThrow('alias getOld: the contract has no function getGone');
    expect(() => render(document, { listNumbersCsv: 'listNumbers' })).toThrow('alias listNumbersCsv');
  });
});
