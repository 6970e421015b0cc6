// Renders the client facade (libs/client/src/index.ts) from an OpenAPI document: one typed
// function per operationId over openapi-fetch, typed by the openapi-typescript output of the same
// document (`paths`, `operations`), resolving to the 2xx body and rejecting with
// OcNumbersApiError. Pure: the caller reads the document and formats the result with Prettier.

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** Names the facade defines itself: an operation may not take them. */
const RESERVED = new Set(['fetchClient']);

/** The object a local `$ref` ("#/components/…") points at, following chains of them. */
function resolve(document, value, seen = new Set()) {
  if (!value || typeof value !== 'object' || typeof value.$ref !== 'string') return value;
  const ref = value.$ref;
  if (!ref.startsWith('#/')) {
    throw new Error(`${ref}: only references within the document (#/…) are supported`);
  }
  if (seen.has(ref)) throw new Error(`${ref}: the reference points back at itself`);
  seen.add(ref);
  let target = document;
  for (const part of ref.slice(2).split('/')) {
    const key = decodeURIComponent(part).replaceAll('~1', '/').replaceAll('~0', '~');
    target = target?.[key];
    if (target === undefined) throw new Error(`${ref}: the reference points at nothing`);
  }
  return resolve(document, target, seen);
}

/** The type and subtype of a media type, without its parameters (`text/csv; charset=utf-8` → `text/csv`). */
const essence = (media) => media.split(';')[0].trim().toLowerCase();
const isJson = (media) =>
  /^application\/(?:[\w.+-]+\+)?json$/.test(essence(media)) && !/problem\+json$/.test(essence(media));
/** Bodies read whole as text: small documents meant to be read as they are (metrics, pages, YAML). */
const isText = (media) =>
  (/^text\//.test(essence(media)) && !isBulk(media)) ||
  /^application\/(?:[\w.+-]+\+)?(?:yaml|xml)$|^application\/x-yaml$/.test(essence(media));
/** Bodies handed over as a stream: exports and binary data, which may be too large to hold in memory. */
const isBulk = (media) => /^text\/csv$|^application\/(?:octet-stream|x-ndjson|jsonl|zip|gzip)$/.test(essence(media));

/** How a 2xx body of `media` is read: openapi-fetch's parseAs, and the type the function resolves to. */
function reading(media) {
  if (isJson(media)) return { parseAs: 'json', type: undefined };
  if (isBulk(media) || !isText(media)) return { parseAs: 'stream', type: 'ReadableStream<Uint8Array>' };
  return { parseAs: 'text', type: 'string' };
}

/** The suffix of the function of another media type: text/csv → Csv, application/yaml → Yaml. */
export function mediaSuffix(media) {
  const subtype = essence(media).split('/')[1];
  const named = { plain: 'Text', 'octet-stream': 'Binary' }[subtype];
  if (named) return named;
  return subtype
    .replace(/^x-/, '')
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join('');
}

/** The media type a function uses when there is a choice: JSON first, then the first listed. */
const primary = (medias) => medias.find(isJson) ?? medias[0];

/**
 * The operations of `document`, in document order: what the facade needs of each, with every
 * local reference resolved.
 */
export function describeOperations(document) {
  const operations = [];
  const ids = new Set();
  for (const [path, rawItem] of Object.entries(document.paths ?? {})) {
    const item = resolve(document, rawItem);
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const where = `${method.toUpperCase()} ${path}`;
      const id = operation.operationId;
      if (typeof id !== 'string' || !IDENTIFIER.test(id)) {
        throw new Error(`${where}: every operation needs an operationId that is a JavaScript identifier`);
      }
      if (ids.has(id)) throw new Error(`${where}: operationId ${id} is used twice`);
      ids.add(id);

      // Operation parameters override the path item's of the same name and place.
      const parameters = new Map();
      for (const raw of [...(item.parameters ?? []), ...(operation.parameters ?? [])]) {
        const parameter = resolve(document, raw);
        parameters.set(`${parameter.in}:${parameter.name}`, parameter);
      }
      const all = [...parameters.values()];
      for (const parameter of all) {
        if ((parameter.in === 'header' || parameter.in === 'cookie') && parameter.required) {
          throw new Error(`${where}: required ${parameter.in} parameter ${parameter.name} is not supported`);
        }
      }
      const query = all.filter((parameter) => parameter.in === 'query');

      const body = operation.requestBody ? resolve(document, operation.requestBody) : undefined;
      const success = [];
      const errors = [];
      for (const [code, raw] of Object.entries(operation.responses ?? {})) {
        if (/^2(?:\d\d|XX)$/i.test(code)) {
          const response = resolve(document, raw);
          success.push({ code, media: Object.keys(response.content ?? {}) });
        } else {
          errors.push(code);
        }
      }
      if (success.length === 0) throw new Error(`${where}: ${id} documents no 2xx response`);

      operations.push({
        id,
        method,
        path,
        summary: operation.summary,
        description: operation.description,
        deprecated: operation.deprecated === true,
        pathParameters: all.filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name),
        queryParameters: query.map((parameter) => parameter.name),
        queryRequired: query.some((parameter) => parameter.required),
        body: body && { required: body.required === true, media: Object.keys(body.content ?? {}) },
        success,
        errors,
      });
    }
  }
  return operations;
}

/**
 * The functions of the facade: one per operation, named by its operationId and using its JSON
 * forms (or its only one); plus one per other request media type (a body of another type) and
 * one per other response media type (asked for with Accept), named operationId + the media
 * type's suffix: `reconcileTenantNumbersCsv`, `listNumbersCsv`.
 */
export function planFunctions(operations) {
  const functions = [];
  for (const operation of operations) {
    const requestMedia = operation.body?.media ?? [];
    const responseMedia = [...new Set(operation.success.flatMap((response) => response.media))];
    const request = primary(requestMedia);
    const response = primary(responseMedia);
    // With a choice of answers, each function says which one it wants.
    const negotiated = responseMedia.length > 1;
    functions.push({ name: operation.id, operation, request, response, accept: negotiated ? response : undefined });
    for (const media of requestMedia.filter((media) => media !== request)) {
      functions.push({
        name: operation.id + mediaSuffix(media),
        operation,
        request: media,
        response,
        accept: negotiated ? response : undefined,
        variant: `sends the body as \`${media}\``,
      });
    }
    for (const media of responseMedia.filter((media) => media !== response)) {
      functions.push({
        name: operation.id + mediaSuffix(media),
        operation,
        request,
        response: media,
        accept: media,
        variant: `asks for the answer as \`${media}\` (\`Accept: ${media}\`)`,
      });
    }
  }
  const names = new Set();
  for (const { name, operation } of functions) {
    if (names.has(name) || RESERVED.has(name)) {
      throw new Error(`${operation.id}: the function name ${name} is taken (by an operationId or another form)`);
    }
    names.add(name);
  }
  return functions;
}

const quote = (text) => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
const key = (code) => (/^\d+$/.test(code) ? code : quote(code));

/**
 * `text` wrapped at spaces into lines of at most `width` characters; a longer word, and code in
 * backticks, stays whole.
 */
function wrap(text, width = 96) {
  const lines = [];
  let line = '';
  for (const word of text.match(/(?:`[^`]*`|\S)+/g) ?? []) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join('\n');
}

/** A JSDoc block of `paragraphs` (Markdown kept as it is), indented by `indent`. */
function jsdoc(paragraphs, indent = '  ') {
  const lines = paragraphs
    .filter((paragraph) => paragraph !== undefined && paragraph.trim() !== '')
    .map((paragraph) => paragraph.trim().replaceAll('*/', '*\\/'))
    .join('\n\n')
    .split('\n');
  return [`${indent}/**`, ...lines.map((line) => `${indent} *${line ? ` ${line}` : ''}`), `${indent} */`].join('\n');
}

/** The arguments of a function: [name, type, optional], in the order path, body, query, options. */
function argumentsOf(fn) {
  const { operation } = fn;
  const op = `operations[${quote(operation.id)}]`;
  const args = [];
  if (operation.pathParameters.length > 0) args.push(['path', `${op}['parameters']['path']`, false]);
  if (fn.request) {
    args.push(['body', `NonNullable<${op}['requestBody']>['content'][${quote(fn.request)}]`, !operation.body.required]);
  }
  if (operation.queryParameters.length > 0) {
    args.push(['query', `${op}['parameters']['query']`, !operation.queryRequired]);
  }
  // An optional argument before a required one is spelled `name: T | undefined`.
  let required = false;
  for (let i = args.length - 1; i >= 0; i--) {
    if (!args[i][2]) required = true;
    else if (required) args[i] = [args[i][0], `${args[i][1]} | undefined`, false];
  }
  args.push(['options', 'OcNumbersCallOptions', true]);
  return args;
}

/** What a function resolves to: the union of its 2xx bodies in its media type. */
function resultOf(fn) {
  const { operation } = fn;
  const types = new Set();
  for (const response of operation.success) {
    if (response.media.length === 0) types.add('undefined');
    else if (response.media.includes(fn.response)) {
      types.add(
        reading(fn.response).type ??
          `operations[${quote(operation.id)}]['responses'][${key(response.code)}]['content'][${quote(fn.response)}]`,
      );
    }
  }
  const list = [...types];
  return list.length === 1 && list[0] === 'undefined' ? 'void' : list.join(' | ');
}

function documentation(fn) {
  const { operation } = fn;
  const args = argumentsOf(fn);
  const names = (list) => list.map((name) => `\`${name}\``).join(', ');
  const reads = fn.response ? reading(fn.response).parseAs : undefined;
  const resolves = {
    json: 'the parsed body',
    text: 'the body as text',
    stream: 'the body as a stream (`response.body`), read as it arrives',
  }[reads];
  const codes = operation.success.map((response) => response.code).join(', ');
  const errors = operation.errors.length > 0 ? ` (documented: ${operation.errors.join(', ')})` : '';
  const paragraphs = [
    operation.summary,
    operation.description,
    wrap(
      `\`${operation.method.toUpperCase()} ${operation.path}\` (operation \`${operation.id}\`)` +
        (fn.variant ? `; this form ${fn.variant}.` : '.') +
        ` Resolves to ${resolves ? `${resolves} of the ${codes} answer` : `nothing (${codes})`}; rejects with` +
        ` {@link OcNumbersApiError} on an error answer${errors}.`,
    ),
    [
      ...args.map(([name]) =>
        name === 'path'
          ? `@param path - the path parameters: ${names(operation.pathParameters)}`
          : name === 'query'
            ? `@param query - the query parameters: ${names(operation.queryParameters)}`
            : name === 'options'
              ? '@param options - for this call: an `AbortSignal`, headers to send'
              : `@param body - the request body, sent as \`${fn.request}\``,
      ),
      ...(operation.deprecated ? ['@deprecated The contract deprecates this operation.'] : []),
    ].join('\n'),
  ];
  return jsdoc(paragraphs);
}

function implementation(fn) {
  const { operation } = fn;
  const args = argumentsOf(fn);
  const init = [];
  const params = args.filter(([name]) => name === 'path' || name === 'query').map(([name]) => name);
  if (params.length > 0) init.push(`params: { ${params.join(', ')} }`);
  if (fn.request) {
    init.push('body');
    // openapi-fetch writes JSON by default; other media types go as they are.
    if (!isJson(fn.request)) init.push('bodySerializer: (raw: unknown) => raw');
  }
  const headers = [];
  if (fn.request && !isJson(fn.request)) headers.push(`'Content-Type': ${quote(fn.request)}`);
  if (fn.accept) headers.push(`Accept: ${quote(fn.accept)}`);
  init.push('signal: options?.signal');
  // The form's own headers win: they are what makes it the form it is.
  init.push(
    headers.length > 0 ? `headers: { ...options?.headers, ${headers.join(', ')} }` : 'headers: options?.headers',
  );
  const parseAs = fn.response ? reading(fn.response).parseAs : 'json';
  if (parseAs !== 'json') init.push(`parseAs: ${quote(parseAs)}`);
  const call = `fetchClient.${operation.method.toUpperCase()}(${quote(operation.path)}, { ${init.join(', ')} })`;
  return `  const ${fn.name}: OcNumbersClient[${quote(fn.name)}] = async (${args.map(([name]) => name).join(', ')}) =>\n    settle(await ${call});`;
}

const RUNTIME = `
/** The openapi-fetch client over the contract's paths, for any operation. */
export type OcNumbersFetchClient = Client<paths>;

/** An error answer of the service: its HTTP status and, when it sent one, the problem details. */
export class OcNumbersApiError extends Error {
  constructor(
    readonly status: number,
    /** The parsed problem+json body; undefined when the answer was not one (a proxy's page, say). */
    readonly problem: ProblemDetails | undefined,
  ) {
    super(
      problem
        ? \`\${status} \${problem.title}: \${problem.detail} (errorTicket \${problem.errorTicket}, traceId \${problem.traceId})\`
        : \`The service answered \${status} without a problem details body\`,
    );
    this.name = 'OcNumbersApiError';
  }
}

/** For one call: a signal that cancels it, and headers sent besides the client's (a \`traceparent\`, say). */
export interface OcNumbersCallOptions {
  readonly signal?: AbortSignal;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A bearer token, or a function that gives one: called before every request (so it can hand out
 * a cached token and fetch a new one when it expires, as MSAL's \`acquireTokenByClientCredential\`
 * does).
 */
export type OcNumbersTokenProvider = string | (() => string | Promise<string>);

export type OcNumbersClientOptions = ClientOptions & {
  /** Where the service is, e.g. \`http://localhost:3000\`. */
  readonly baseUrl: string;
  /**
   * The bearer token every request sends in \`Authorization: Bearer <token>\` (a service with
   * \`AUTH_MODE=jwt\` answers 401 without one). A function is called for each request; when it
   * throws or rejects, the call rejects with its error and nothing is sent.
   */
  readonly token?: OcNumbersTokenProvider;
};

/** Sends the token of \`provider\` with every request of \`fetchClient\`. */
function authorize(fetchClient: OcNumbersFetchClient, provider: OcNumbersTokenProvider): void {
  fetchClient.use({
    async onRequest({ request }) {
      const token = typeof provider === 'function' ? await provider() : provider;
      if (typeof token !== 'string' || token === '') {
        throw new TypeError('The token provider of the OC Numbers client gave no token');
      }
      request.headers.set('Authorization', \`Bearer \${token}\`);
      return request;
    },
  });
}

function isProblem(value: unknown): value is ProblemDetails {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ProblemDetails).status === 'number' &&
    typeof (value as ProblemDetails).title === 'string'
  );
}

/**
 * The body of a 2xx answer (undefined when it has none), or an OcNumbersApiError for any other.
 * The functions' declared types say which body it is; openapi-fetch read it as their media type.
 */
function settle<T>({ data, error, response }: { data?: unknown; error?: unknown; response: Response }): T {
  if (response.ok) return data as T;
  throw new OcNumbersApiError(response.status, isProblem(error) ? error : undefined);
}
`;

/**
 * The facade's TypeScript source, unformatted.
 * @param {object} options
 * @param {object} options.document the parsed OpenAPI document
 * @param {string} options.contracts the module of its openapi-typescript types; it exports `paths`,
 *   `operations` and `ProblemDetails`, and every type export of it is re-exported
 * @param {Record<string, string>} [options.aliases] other names of functions: alias → function
 * @param {string} options.source the document's path, named in the header
 * @param {string} options.command the command that regenerates the file, named in the header
 */
export function renderClient({ document, contracts, aliases = {}, source, command }) {
  const functions = planFunctions(describeOperations(document));
  const names = new Set(functions.map((fn) => fn.name));
  for (const [alias, target] of Object.entries(aliases)) {
    if (!IDENTIFIER.test(alias) || names.has(alias) || RESERVED.has(alias)) {
      throw new Error(`alias ${alias}: not an identifier, or the name of a function already`);
    }
    if (!names.has(target)) throw new Error(`alias ${alias}: the contract has no function ${target}`);
  }

  const members = functions.map((fn) => {
    const signature = argumentsOf(fn)
      .map(([name, type, optional]) => `${name}${optional ? '?' : ''}: ${type}`)
      .join(', ');
    return `${documentation(fn)}\n  ${fn.name}(${signature}): Promise<${resultOf(fn)}>;`;
  });
  for (const [alias, target] of Object.entries(aliases)) {
    members.push(
      `${jsdoc([wrap(`Another name of {@link OcNumbersClient.${target} | ${target}}, the same function: code written against earlier versions of this client keeps working.`)])}\n  ${alias}: OcNumbersClient[${quote(target)}];`,
    );
  }

  const header = wrap(
    `GENERATED FILE: do not edit. Written by tools/client-gen from ${source}; regenerate it with` +
      ` \`${command}\`. \`npm run check:generated\` fails when it differs from what the generator writes.`,
  );
  return `/**
${header
  .split('\n')
  .map((line) => ` * ${line}`)
  .join('\n')}
 *
 * A typed client of the OC Numbers API: one function per operation of the contract, over
 * openapi-fetch and the contract's generated types.
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { operations, paths, ProblemDetails } from ${quote(contracts)};

export type * from ${quote(contracts)};
${RUNTIME}
/** The operations of the contract, one function each. */
export interface OcNumbersClient {
  /** The raw openapi-fetch client, typed by the contract, for what the functions do not cover. */
  readonly fetchClient: OcNumbersFetchClient;

${members.join('\n\n')}
}

/** A typed client of the OC Numbers API. */
export function createOcNumbersClient(clientOptions: OcNumbersClientOptions): OcNumbersClient {
  const { token, ...options } = clientOptions;
  const fetchClient = createClient<paths>(options);
  if (token !== undefined) authorize(fetchClient, token);
${functions.map(implementation).join('\n')}
  return {
    fetchClient,
${[...functions.map((fn) => `    ${fn.name},`), ...Object.entries(aliases).map(([alias, target]) => `    ${alias}: ${target},`)].join('\n')}
  };
}
`;
}
