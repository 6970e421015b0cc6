import type { IncomingMessage } from 'node:http';
import { callerOfRequest } from '../auth/caller';
import type { EntityManager } from 'typeorm';
import { CHANGE_CONTEXT_SETTINGS, CHANGE_CONTEXT_TABLE } from '../database/migrations/1764547200000-status-history';
import { isPostgres } from '../database/dialect';

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

/** The history's `caller` column holds this many characters; a longer caller is cut. */
const MAX_CALLER_LENGTH = 256;

/** A context as the database holds it: every value a string or null. */
type StoredContext = readonly [operation: string, caller: string | null, reconciliationId: string | null];

/**
 * Runs `work` with `context` visible to the database's history triggers. `manager` must be in a
 * transaction, and `work` must make its changes through it; the context ends with the
 * transaction (PostgreSQL) or when `work` settles (SQLite).
 *
 * PostgreSQL: transaction-local settings (`set_config(…, true)`), which the database forgets at
 * commit or rollback, so a pooled connection never carries them into its next transaction.
 * SQLite: a one-row table written now and deleted when `work` settles, in the same transaction;
 * SQLite has one writer at a time, so no other transaction ever sees the row. A context inside
 * another one applies to the inner work only: the outer one is restored after it.
 */
export async function withChangeContext<T>(
  manager: EntityManager,
  context: ChangeContext,
  work: () => Promise<T>,
): Promise<T> {
  if (manager.queryRunner?.isTransactionActive !== true) {
    throw new Error('withChangeContext needs a manager in a transaction');
  }
  const stored: StoredContext = [
    context.operation,
    context.caller === null ? null : context.caller.slice(0, MAX_CALLER_LENGTH),
    context.reconciliationId ?? null,
  ];
  const store = isPostgres(manager.connection) ? postgresStore : sqliteStore;
  const previous = await store.read(manager);
  await store.write(manager, stored);
  try {
    return await work();
  } finally {
    // A failed statement aborts a PostgreSQL transaction, which then refuses every statement
    // until it is rolled back (taking the settings with it): nothing to restore then.
    await store.write(manager, previous).catch(() => undefined);
  }
}

interface ContextStore {
  read(manager: EntityManager): Promise<StoredContext | undefined>;
  write(manager: EntityManager, context: StoredContext | undefined): Promise<void>;
}

const postgresStore: ContextStore = {
  async read(manager) {
    const [row] = (await manager.query(
      `SELECT NULLIF(current_setting($1, true), '') AS operation,
              NULLIF(current_setting($2, true), '') AS caller,
              NULLIF(current_setting($3, true), '') AS reconciliation_id`,
      [CHANGE_CONTEXT_SETTINGS.operation, CHANGE_CONTEXT_SETTINGS.caller, CHANGE_CONTEXT_SETTINGS.reconciliationId],
    )) as Array<{ operation: string | null; caller: string | null; reconciliation_id: string | null }>;
    return row?.operation ? [row.operation, row.caller, row.reconciliation_id] : undefined;
  },
  async write(manager, context) {
    // '' reads as "no context" in the triggers.
    const [operation, caller, reconciliationId] = context ?? ['', null, null];
    await manager.query('SELECT set_config($1, $2, true), set_config($3, $4, true), set_config($5, $6, true)', [
      CHANGE_CONTEXT_SETTINGS.operation,
      operation,
      CHANGE_CONTEXT_SETTINGS.caller,
      caller ?? '',
      CHANGE_CONTEXT_SETTINGS.reconciliationId,
      reconciliationId ?? '',
    ]);
  },
};

const sqliteStore: ContextStore = {
  async read(manager) {
    const [row] = (await manager.query(
      `SELECT operation, caller, reconciliation_id FROM ${CHANGE_CONTEXT_TABLE} WHERE id = 1`,
    )) as Array<{ operation: string; caller: string | null; reconciliation_id: string | null }>;
    return row ? [row.operation, row.caller, row.reconciliation_id] : undefined;
  },
  async write(manager, context) {
    if (context === undefined) {
      await manager.query(`DELETE FROM ${CHANGE_CONTEXT_TABLE}`);
      return;
    }
    await manager.query(
      `INSERT INTO ${CHANGE_CONTEXT_TABLE} (id, operation, caller, reconciliation_id) VALUES (1, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE
       SET operation = excluded.operation, caller = excluded.caller, reconciliation_id = excluded.reconciliation_id`,
      [...context],
    );
  },
};

/**
 * The caller of an HTTP request as the history records it: `app:<client id>` for a token's
 * client, `ip:<address>` (the address the service trusts, see TRUST_PROXY) without
 * authentication.
 */
export function callerOf(request: { readonly raw: IncomingMessage; readonly ip: string }): string {
  return callerOfRequest(request).id;
}
