import { workspaceRoot } from '@oc-numbers/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { frameworkProblem, isProblemCode, type ProblemCode, PROBLEMS, problem } from './problem-catalogue';

/**
 * The catalogue against the contract, both ways. Everything about the contract is read from
 * openapi/oc-numbers.yaml here; nothing of it is restated.
 */

/**
 * Codes the contract does not name at all, and why it need not. Each must be absent from the
 * contract: naming one there means it belongs in the checks below instead.
 */
const NOT_IN_CONTRACT: Readonly<Partial<Record<ProblemCode, string>>> = {
  BAD_REQUEST:
    'malformed HTTP that Node.js refuses before any operation sees it, an HTTP/1.1 request without Host, a ' +
    'CONNECT, or a framework 400 about a request body to an operation that takes none (a body that is not ' +
    'JSON, to an operation that takes one, is INVALID_REQUEST_BODY)',
  EXPECTATION_FAILED: 'an `Expect` header other than `100-continue`, which no client of the contract sends',
  URI_TOO_LONG: 'raised by the framework, never by an operation; over-long requests meet the 431 first',
  SERVICE_UNAVAILABLE:
    'a 503 the framework raises that is not the database; no operation raises one (readiness answers DATABASE_UNAVAILABLE)',
};

/**
 * Codes the contract names (among the codes of ProblemDetails.errorCode) under no response,
 * and why: their status is on no operation.
 */
const NAMED_WITHOUT_STATUS: Readonly<Partial<Record<ProblemCode, string>>> = {
  NOT_FOUND: 'an unknown route: no operation of the contract, so no operation documents a 404',
};

type Node = Record<string, unknown>;
const spec = parse(readFileSync(join(workspaceRoot(), 'openapi', 'oc-numbers.yaml'), 'utf8')) as Node;

function resolve(node: unknown): Node {
  const ref = (node as Node)?.$ref;
  if (typeof ref !== 'string') return node as Node;
  return ref
    .slice(2)
    .split('/')
    .reduce<Node>((at, key) => at[key] as Node, spec);
}

/** The fields of the contract's ProblemDetails schema. */
const problemFields = resolve(resolve((resolve(spec.components).schemas as Node).ProblemDetails).properties) as Record<
  string,
  { pattern?: string; minimum?: number; maximum?: number; maxLength?: number; description?: string }
>;
const errorCodeSchema = problemFields.errorCode;
const CODE = new RegExp(errorCodeSchema.pattern ?? '');
/** How the contract's prose names a response's code: "`errorCode` is `X`", "`errorCode` `X`". */
const CODE_IN_PROSE = /`errorCode`(?: is)? `([^`]+)`/g;

/** Every string of the contract, wherever it stands. */
function strings(node: unknown): string[] {
  if (typeof node === 'string') return [node];
  if (node === null || typeof node !== 'object') return [];
  return Object.values(node).flatMap(strings);
}

/** The example problem bodies of a response. */
function exampleProblems(response: Node): Node[] {
  return Object.values((response.content as Record<string, Node>) ?? {}).flatMap((media) => [
    ...(media.example === undefined ? [] : [media.example as Node]),
    ...Object.values((media.examples as Record<string, Node>) ?? {}).map((example) => resolve(example).value as Node),
  ]);
}

interface Documented {
  /** The statuses of the responses that name the code. */
  readonly statuses: Set<number>;
  readonly examples: Node[];
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** Every code a documented response names, in its description or its examples, with its status. */
const documented = new Map<string, Documented>();
/** Every status the contract documents for some operation. */
const documentedStatuses = new Set<number>();
for (const operations of Object.values(spec.paths as Record<string, Node>)) {
  for (const [method, operation] of Object.entries(operations) as Array<[string, Node]>) {
    if (!HTTP_METHODS.has(method)) continue;
    for (const [status, ref] of Object.entries((operation.responses as Node) ?? {})) {
      const response = resolve(ref);
      documentedStatuses.add(Number(status));
      const examples = exampleProblems(response).filter((body) => typeof body?.errorCode === 'string');
      const codes = [
        ...[...String(response.description ?? '').matchAll(CODE_IN_PROSE)].map((match) => match[1]),
        ...examples.map((body) => String(body.errorCode)),
      ];
      for (const code of codes) {
        const entry = documented.get(code) ?? { statuses: new Set<number>(), examples: [] };
        entry.statuses.add(Number(status));
        entry.examples.push(...examples.filter((body) => body.errorCode === code));
        documented.set(code, entry);
      }
    }
  }
}

/** Every code the contract names anywhere: in prose, in examples, in ProblemDetails.errorCode. */
const named = new Set([
  ...documented.keys(),
  ...strings(spec).flatMap((text) => [...text.matchAll(CODE_IN_PROSE)].map((match) => match[1])),
  ...[...(errorCodeSchema.description ?? '').matchAll(/`([^`]+)`/g)]
    .map((match) => match[1])
    .filter((c) => CODE.test(c)),
]);

const catalogue = Object.entries(PROBLEMS) as Array<[ProblemCode, (typeof PROBLEMS)[ProblemCode]]>;

/** A detail template as a pattern: each `{placeholder}` stands for some text. */
const detailPattern = (template: string) =>
  new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '.+')}$`);

describe('the problem catalogue against the contract', () => {
  it('finds the codes the contract documents (the parsing below sees something)', () => {
    expect(documented.size).toBeGreaterThanOrEqual(4);
    expect(documentedStatuses.size).toBeGreaterThanOrEqual(4);
  });

  it.each([...named].sort())('has %s, which the contract names', (code) => {
    expect(isProblemCode(code)).toBe(true);
  });

  it.each([...documented.entries()].sort())(
    'answers %s with the status and examples the contract documents',
    (code, entry) => {
      if (!isProblemCode(code)) throw new Error(`${code} is not in the catalogue`);
      const kind = PROBLEMS[code];
      expect(entry.statuses).toEqual(new Set([kind.status]));
      for (const example of entry.examples) {
        expect({ type: example.type, title: example.title, status: example.status }).toEqual({
          type: kind.type,
          title: kind.title,
          status: kind.status,
        });
        expect(String(example.detail)).toMatch(detailPattern(kind.detail));
      }
    },
  );

  it.each(catalogue)('documents %s, or says why not', (code, kind) => {
    if (code in NOT_IN_CONTRACT) {
      expect(named.has(code)).toBe(false);
    } else if (code in NAMED_WITHOUT_STATUS) {
      expect(named.has(code)).toBe(true);
      expect(documented.has(code)).toBe(false);
      expect(documentedStatuses.has(kind.status)).toBe(false);
    } else {
      // Named by a response of its own status: every code whose status the contract documents.
      expect(documented.get(code)?.statuses).toEqual(new Set([kind.status]));
    }
  });

  it.each(catalogue)('gives %s a code, status and title the contract allows', (code, kind) => {
    expect(code).toMatch(CODE);
    expect(code.length).toBeLessThanOrEqual(errorCodeSchema.maxLength ?? Infinity);
    expect(kind.status).toBeGreaterThanOrEqual(problemFields.status.minimum ?? 0);
    expect(kind.status).toBeLessThanOrEqual(problemFields.status.maximum ?? 999);
    expect(kind.title.length).toBeLessThanOrEqual(problemFields.title.maxLength ?? Infinity);
  });
});

describe('problem', () => {
  it('fills in the detail of a code', () => {
    expect(problem('TOO_MANY_REQUESTS', { max: 3, seconds: 10, scope: 'client', retryAfter: 7 })).toEqual({
      type: 'about:blank',
      title: 'Too Many Requests',
      status: 429,
      detail: 'More than 3 requests in 10 seconds from this client. Retry after 7 seconds.',
      errorCode: 'TOO_MANY_REQUESTS',
    });
    expect(problem('INTERNAL_ERROR').detail).toBe(PROBLEMS.INTERNAL_ERROR.detail);
  });
});

describe('frameworkProblem', () => {
  it('words a framework error of a catalogued status with its own message', () => {
    expect(frameworkProblem(413, 'Request body is too large')).toEqual({
      type: 'about:blank',
      title: 'Payload Too Large',
      status: 413,
      detail: 'Request body is too large',
      errorCode: 'PAYLOAD_TOO_LARGE',
    });
    expect(frameworkProblem(415, '').detail).toBe('Unsupported Media Type');
  });

  it('keeps the status and standard title of a client error the catalogue does not name', () => {
    expect(frameworkProblem(409, undefined)).toEqual({
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      detail: 'Conflict',
      errorCode: 'BAD_REQUEST',
    });
  });
});
