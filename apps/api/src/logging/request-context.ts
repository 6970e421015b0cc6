import type { IncomingMessage } from 'node:http';
import { RequestSlot } from '../common/request-slot';

/** What the request log line says about a request besides what pino-http knows. */
export interface RequestContext {
  /** The route template that answered, e.g. `/health/ready`; absent when none did. */
  route?: string;
}

const contexts = new RequestSlot<RequestContext>('request context');

export function requestContext(request: IncomingMessage): RequestContext {
  let context = contexts.get(request);
  if (!context) {
    context = {};
    contexts.set(request, context);
  }
  return context;
}
