import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { resolveRef } from '#testing/openapi-refs';
import { breakingChanges } from './breaking-changes.mjs';

const SPEC = parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../openapi/oc-numbers.yaml'), 'utf8'),
);
const PATH = '/api/v3/oc/numbers/removal-status/summary';
const WHERE = `GET ${PATH}`;

/** A copy of the contract with one change made to it. */
function changed(edit) {
  const copy = structuredClone(SPEC);
  edit(copy);
  return copy;
}
const summary = (doc) => doc.components.schemas.RemovalStatusSummary;
const operation = (doc) => doc.paths[PATH].get;
const tenantParam = (doc) => operation(doc).parameters[0];

/** Every operation's responses that are problem details, read from the contract: "GET /path: response 400". */
function problemResponses() {
  return Object.entries(SPEC.paths).flatMap(([path, item]) =>
    Object.entries(item).flatMap(([method, op]) =>
      Object.entries(op.responses ?? {})
        .filter(([, response]) => 'application/problem+json' in (resolveRef(SPEC, response).content ?? {}))
        .map(([status]) => `${method.toUpperCase()} ${path}: response ${status}`),
    ),
  );
}

describe('breakingChanges', () => {
  it('finds nothing between the contract and itself', () => {
    expect(breakingChanges(SPEC, structuredClone(SPEC))).toEqual([]);
  });

  it.each([
    [
      'a new optional parameter',
      (d) => operation(d).parameters.push({ name: 'page', in: 'query', schema: { type: 'integer' } }),
    ],
    ['a new response field', (d) => (summary(d).properties.releaseRequestedCount = { type: 'integer' })],
    ['a new response status', (d) => (operation(d).responses['409'] = { description: 'Conflict' })],
    [
      'a new operation',
      (d) =>
        (d.paths['/api/v3/oc/numbers/some-new-operation'] = { get: { responses: { 200: { description: 'ok' } } } }),
    ],
    ['a longer limit on a parameter', (d) => (tenantParam(d).schema.maxLength = 20000)],
    [
      'a new response header',
      (d) => (operation(d).responses['200'].headers['X-Extra'] = { schema: { type: 'string' } }),
    ],
    ['a changed description', (d) => (operation(d).description = 'Other words.')],
  ])('lets %s pass', (_name, edit) => {
    expect(breakingChanges(SPEC, changed(edit))).toEqual([]);
  });

  it.each([
    [
      'a renamed response field',
      (d) => {
        summary(d).properties.totalCounts = summary(d).properties.totalCount;
        delete summary(d).properties.totalCount;
        summary(d).required = ['markedForRemovalCount', 'readyForRemovalCount', 'totalCounts'];
      },
      [`${WHERE}: response 200 application/json: field totalCount removed (renamed to totalCounts?)`],
    ],
    [
      'a response field no longer required',
      (d) => (summary(d).required = ['markedForRemovalCount', 'readyForRemovalCount']),
      [`${WHERE}: response 200 application/json: field totalCount is no longer required`],
    ],
    [
      'a response field of another type',
      (d) => (summary(d).properties.totalCount = { type: 'string' }),
      [`${WHERE}: response 200 application/json.totalCount: type changed from integer to string`],
    ],
    ['a removed path', (d) => delete d.paths[PATH], [`${WHERE}: operation removed`]],
    [
      'a renamed parameter',
      (d) => (tenantParam(d).name = 'tenantId'),
      [`${WHERE}: query parameter msTenantId removed (renamed to tenantId?)`],
    ],
    [
      'a parameter made required',
      (d) => (tenantParam(d).required = true),
      [`${WHERE}: query parameter msTenantId became required`],
    ],
    [
      'a new required parameter',
      (d) => operation(d).parameters.push({ name: 'region', in: 'query', required: true, schema: { type: 'string' } }),
      [`${WHERE}: new required query parameter region`],
    ],
    ['a removed response', (d) => delete operation(d).responses['400'], [`${WHERE}: response 400 removed`]],
    [
      'a removed problem field',
      (d) => delete d.components.schemas.ProblemDetails.properties.errorTicket,
      problemResponses().map((where) => `${where} application/problem+json: field errorTicket removed`),
    ],
    [
      'a narrowed parameter',
      (d) => (tenantParam(d).schema.maxLength = 36),
      [`${WHERE}: query parameter msTenantId: maxLength lowered to 36 from 16384`],
    ],
    [
      'a parameter of another type',
      (d) => (tenantParam(d).schema = { type: 'integer' }),
      [
        `${WHERE}: query parameter msTenantId: type narrowed from string to integer`,
        `${WHERE}: query parameter msTenantId: alternatives (anyOf/oneOf) removed`,
      ],
    ],
    [
      'a removed response header',
      (d) => delete operation(d).responses['200'].headers['X-Trace-Id'],
      [`${WHERE}: response 200 header X-Trace-Id removed`],
    ],
  ])('lists %s', (_name, edit, expected) => {
    expect(breakingChanges(SPEC, changed(edit))).toEqual(expected);
  });
});
