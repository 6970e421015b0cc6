import type { SharedReadOptions } from './single-flight';

/** The read one key asks for in the coming batch, and how its callers are answered. */
interface Pending<T> {
  readonly read: () => Promise<T>;
  readonly promise: Promise<T>;
  settle(result: Promise<T>): void;
}

/**
 * Coalesces the reads asked for during one turn of the event loop: each key's read runs once,
 * right after the turn's input has been handled (`setImmediate`), for every caller of that turn,
 * and the reads of all keys run one after another before any caller goes on.
 *
 * For reads that answer synchronously (SQLite's), where a read started at once would finish
 * before the next request is even parsed, so nothing could ever share it. A read always starts
 * after every caller that shares it asked, so a change committed before a caller asked is in its
 * answer. The price is at most one turn of the loop of waiting, which under load is what lets
 * the callers of a turn share; the reads of a batch also run back to back, with the statement
 * still in the processor's caches from the one before.
 */
export class TurnBatch<K, T> {
  private pending = new Map<K, Pending<T>>();

  constructor(private readonly options: SharedReadOptions = {}) {}

  /** Resolves with the result of `read()` run in the coming batch, possibly shared with others. */
  run(key: K, read: () => Promise<T>): Promise<T> {
    const pending = this.pending.get(key);
    if (pending) {
      this.options.onShared?.();
      return pending.promise;
    }
    if (this.pending.size === 0) setImmediate(this.flush);
    let settle!: (result: Promise<T>) => void;
    const promise = new Promise<T>((resolve) => (settle = resolve));
    this.pending.set(key, { read, promise, settle });
    return promise;
  }

  /** How many keys wait for the coming batch; for tests and diagnostics. */
  get size(): number {
    return this.pending.size;
  }

  private readonly flush = (): void => {
    const batch = this.pending;
    this.pending = new Map();
    for (const { read, settle } of batch.values()) {
      let result: Promise<T>;
      try {
        result = read();
      } catch (error) {
        result = Promise.reject(error);
      }
      settle(result);
    }
  };
}
