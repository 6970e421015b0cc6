import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { RequestSlot } from '../common/request-slot';

/**
 * The tenants a caller reaches: every one, or those its token names (lower-case GUIDs, possibly
 * none). Every read and change of numbers is limited by it; a tenant outside it is answered as
 * if it held nothing, or refused with 403 `TENANT_FORBIDDEN` where the caller named it.
 */
export type TenantScope = { readonly all: true } | { readonly all: false; readonly tenants: readonly string[] };

export const ALL_TENANTS: TenantScope = { all: true };

/** Whether `scope` reaches `msTenantId` (a GUID in any letter case; null: a number without a tenant). */
export function reaches(scope: TenantScope, msTenantId: string | null): boolean {
  if (scope.all) return true;
  return msTenantId !== null && scope.tenants.includes(msTenantId.toLowerCase());
}

/** Who is asking, as authentication found it. */
export interface Caller {
  /**
   * How the history and the logs name the caller: `app:<client id>` for a token's client
   * (`azp`, or `appid` in Entra v1 tokens), `ip:<address>` without authentication.
   */
  readonly id: string;
  /** The key of the caller's rate limit: its client id with a token, its address without. */
  readonly rateLimitKey: string;
  readonly canRead: boolean;
  readonly canWrite: boolean;
  readonly scope: TenantScope;
}

/** The caller of a request while authentication is off: anyone reaches everything. */
export function anonymousCaller(ip: string): Caller {
  const id = addressId(ip);
  return { id, rateLimitKey: id, canRead: true, canWrite: true, scope: ALL_TENANTS };
}

/** How a caller without a token is named: by its address. */
function addressId(ip: string): string {
  return `ip:${ip}`;
}

const callers = new RequestSlot<Caller>('caller');

/** Records the caller of a request (authentication does, before anything else reads it). */
export function setCaller(request: IncomingMessage, caller: Caller): void {
  callers.set(request, caller);
}

/**
 * The caller of a request; one that authentication has not seen (a probe) is anonymous.
 * `ip` is the address Fastify trusts (see TRUST_PROXY).
 */
export function callerOfRequest(request: { readonly raw: IncomingMessage; readonly ip: string }): Caller {
  return callers.get(request.raw) ?? anonymousCaller(request.ip);
}

/**
 * The key of a request's rate limit (see {@link Caller.rateLimitKey}): its caller's, or its
 * address's for a request authentication has not seen, without making that caller.
 */
export function rateLimitKeyOf(request: { readonly raw: IncomingMessage; readonly ip: string }): string {
  return callers.get(request.raw)?.rateLimitKey ?? addressId(request.ip);
}

/** A handler parameter: the request's {@link Caller}. */
export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller =>
  callerOfRequest(context.switchToHttp().getRequest()),
);
