import type { expect as jestExpect } from '@jest/globals';
import type { ProblemDetails } from '@oc-numbers/contracts';

/** An error ticket: a version 4 UUID. */
export const ERROR_TICKET = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** A W3C trace id: 32 lower-case hexadecimal digits. */
export const TRACE_ID = /^[0-9a-f]{32}$/;

/** An answer as supertest, fetch (once its body is read) or a raw socket gives it. */
export interface ProblemAnswer {
  readonly status: number;
  readonly headers: Headers | Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
}

/**
 * Asserts that an answer is the problem the service sends for `status` and `errorCode`: that
 * status, `application/problem+json`, and a body with exactly the problem fields, a fresh
 * errorTicket and the trace id of the `X-Trace-Id` header. `fields` pins the others (type,
 * title, detail, instance); those not given need only be strings. Any other key of `fields` is
 * an extension property the body must carry (and the body has no others). Returns the body.
 */
export function expectProblem(
  answer: ProblemAnswer,
  status: number,
  errorCode: string,
  fields: Partial<Record<'type' | 'title' | 'detail' | 'instance', unknown>> & Readonly<Record<string, unknown>> = {},
): ProblemDetails {
  const expect = jest();
  const traceId = header(answer, 'x-trace-id');
  expect({ status: answer.status, contentType: header(answer, 'content-type'), body: answer.body }).toEqual({
    status,
    contentType: expect.stringMatching(/^application\/problem\+json/),
    body: {
      type: expect.any(String),
      title: expect.any(String),
      detail: expect.any(String),
      instance: expect.any(String),
      ...fields,
      status,
      errorCode,
      errorTicket: expect.stringMatching(ERROR_TICKET),
      traceId: traceId ?? expect.stringMatching(TRACE_ID),
    },
  });
  expect(traceId).toMatch(TRACE_ID);
  return answer.body as ProblemDetails;
}

function header(answer: ProblemAnswer, name: string): string | undefined {
  const { headers } = answer;
  const value = headers instanceof Headers ? headers.get(name) : headers[name];
  return Array.isArray(value) ? value.join(', ') : (value ?? undefined);
}

/** Jest's `expect`, which the test environment puts on the global object. */
function jest(): typeof jestExpect {
  const found = (globalThis as { expect?: typeof jestExpect }).expect;
  if (!found) throw new Error('expectProblem runs in Jest tests only');
  return found;
}
