import type { Deadline } from './deadline';
import { AbandonedReadError, type SharedReadOptions } from './single-flight';

/** A key of the next read: how its callers are answered. */
interface Waiting<T> {
  /** Callers waiting for it that have not given up at their deadline. */
  callers: number;
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/**
 * Reads many keys with one query: the keys asked for while no read runs go together into one
 * read, started once the turn of the event loop that asked first has handled its input
 * (`setImmediate`); the keys asked for while a read runs wait for it to end and go together into
 * the next. So at most one read runs at a time, however many keys and callers there are, and a
 * read always starts after every caller it answers asked: a change committed before a caller
 * asked is in its answer.
 *
 * For reads that wait for a server (PostgreSQL's), where one round trip for the keys of many
 * requests costs little more than one for a single key. A caller with a deadline waits until
 * then at most, while the read goes on for the others; a key whose callers have all given up
 * before its read starts is left out of it.
 */
export class KeyBatch<K, T> {
  /** The keys the next read is for, in the order first asked. */
  private next?: Map<K, Waiting<T>>;
  private running = false;

  constructor(
    /** Reads the keys (distinct, in the order first asked); a key it does not answer is rejected. */
    private readonly readMany: (keys: K[]) => Promise<ReadonlyMap<K, T>>,
    private readonly options: SharedReadOptions = {},
  ) {}

  /** Resolves with the value of `key` in a read started after this call. */
  run(key: K, deadline?: Deadline): Promise<T> {
    let next = this.next;
    if (!next) {
      next = this.next = new Map();
      if (!this.running) setImmediate(this.start);
    }
    let waiting = next.get(key);
    if (waiting) this.options.onShared?.();
    else {
      let resolve!: (value: T) => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<T>((ok, fail) => ((resolve = ok), (reject = fail)));
      waiting = { callers: 0, promise, resolve, reject };
      next.set(key, waiting);
    }
    const joined = waiting;
    joined.callers++;
    return deadline ? deadline.bound(joined.promise, () => joined.callers--) : joined.promise;
  }

  /** Whether a read runs now; for tests and diagnostics. */
  get busy(): boolean {
    return this.running;
  }

  private readonly start = (): void => {
    const batch = this.next;
    if (!batch || this.running) return;
    this.next = undefined;
    // A key whose callers have all given up is not read; without keys, nothing is.
    const keys: K[] = [];
    for (const [key, waiting] of batch) {
      if (waiting.callers > 0) keys.push(key);
      // Every caller's wait was bound to the promise, so this rejection is handled.
      else waiting.reject(new AbandonedReadError());
    }
    if (keys.length === 0) return;
    this.running = true;
    let read: Promise<ReadonlyMap<K, T>>;
    try {
      read = this.readMany(keys);
    } catch (error) {
      read = Promise.reject(error);
    }
    read
      .then(
        (values) => {
          for (const key of keys) {
            const waiting = batch.get(key) as Waiting<T>;
            if (values.has(key)) waiting.resolve(values.get(key) as T);
            else waiting.reject(new Error(`The batch read answered nothing for a key it was asked for`));
          }
        },
        (error: unknown) => {
          for (const key of keys) batch.get(key)?.reject(error);
        },
      )
      .finally(() => {
        this.running = false;
        // The keys asked for meanwhile go together into the next read, at once.
        if (this.next) this.start();
      });
  };
}
