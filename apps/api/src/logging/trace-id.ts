import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HEADER, headerKey } from '../common/http-headers';
import { RequestSlot } from '../common/request-slot';

/** version-traceid-parentid-flags, lower-case hex, per W3C Trace Context. */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const INVALID_TRACE_ID = '0'.repeat(32);
const INVALID_PARENT_ID = '0'.repeat(16);

/**
 * The trace-id of a valid `traceparent` header, or undefined. Version ff and all-zero ids are
 * invalid by the W3C rules, and so is a header sent more than once.
 */
export function traceIdFromTraceparent(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (!match) return undefined;
  const [, version, traceId, parentId] = match;
  if (version === 'ff' || traceId === INVALID_TRACE_ID || parentId === INVALID_PARENT_ID) return undefined;
  return traceId;
}

const traceIds = new RequestSlot<string>('trace id');

/**
 * Random bytes drawn 256 trace ids at a time, in hex at once: one call to the system's generator
 * and one conversion, not one of each per request. Each id is a slice of the string.
 */
const POOL_IDS = 256;
const ID_CHARS = 32;
let pool = '';
let next = 0;

/** A new random trace id: 16 bytes of the cryptographic generator, in lower-case hex. */
export function newTraceId(): string {
  if (next >= pool.length) {
    pool = randomBytes((ID_CHARS / 2) * POOL_IDS).toString('hex');
    next = 0;
  }
  const id = pool.slice(next, next + ID_CHARS);
  next += ID_CHARS;
  return id;
}

/**
 * The request's trace id: the caller's when it sent a valid `traceparent`, else a new random
 * one. Fixed on first use, so the router, the request log and the error filter agree.
 */
export function traceIdOf(request: IncomingMessage): string {
  let traceId = traceIds.get(request);
  if (!traceId) {
    traceId = traceIdFromTraceparent(request.headers[headerKey(HEADER.traceparent)]) ?? newTraceId();
    traceIds.set(request, traceId);
  }
  return traceId;
}
