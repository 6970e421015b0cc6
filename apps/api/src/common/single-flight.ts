import type { Deadline } from './deadline';

/** The read that starts when the running one ends, and the callers still waiting for it. */
interface NextRead<T> {
  /** Callers waiting for it that have not given up at their deadline. */
  callers: number;
  readonly promise: Promise<T>;
}

/** The rejection of a next read that nobody waited for any more, so that it never started. */
export class AbandonedReadError extends Error {
  constructor() {
    super('Every caller of this read gave up before it started');
    this.name = 'AbandonedReadError';
  }
}

/** The options of the summary's shared reads: SingleFlight, KeyBatch and TurnBatch. */
export interface SharedReadOptions {
  /** Called for each caller that shares a read another caller asked for, instead of starting one. */
  readonly onShared?: () => void;
}

/**
 * Coalesces identical concurrent reads into one, without ever answering a caller with a read
 * that started before the caller asked.
 *
 * Per key, at most one read runs. A caller joins the read that is waiting to start, or starts
 * one when none runs; a caller that arrives while a read runs waits for it to finish and shares
 * the next one, which starts after it arrived. So a change committed before a caller asked is
 * always in its answer (the read's snapshot is taken after the caller arrived), and under load
 * each key costs the database at most one query at a time, however many callers there are.
 *
 * A caller with a deadline waits until then at most: a stuck read never holds a later caller
 * past its own deadline, while the read goes on for the others. A next read whose callers have
 * all given up is not started.
 */
export class SingleFlight<K, T> {
  private readonly running = new Map<K, Promise<T>>();
  private readonly waiting = new Map<K, NextRead<T>>();

  constructor(private readonly options: SharedReadOptions = {}) {}

  /** Resolves with the result of `read()` started after this call, possibly shared with others. */
  run(key: K, read: () => Promise<T>, deadline?: Deadline): Promise<T> {
    const waiting = this.waiting.get(key);
    if (waiting) {
      this.options.onShared?.();
      return this.join(waiting, deadline);
    }
    const running = this.running.get(key);
    if (!running) {
      const started = this.start(key, read);
      return deadline ? deadline.bound(started) : started;
    }
    const next: NextRead<T> = {
      callers: 0,
      promise: running.then(
        () => this.promote(key, read, next),
        () => this.promote(key, read, next),
      ),
    };
    this.waiting.set(key, next);
    return this.join(next, deadline);
  }

  /** How many keys have a read running; for tests and diagnostics. */
  get size(): number {
    return this.running.size;
  }

  /** How many keys have callers waiting for a next read; for tests and diagnostics. */
  get waitingSize(): number {
    return this.waiting.size;
  }

  private join(next: NextRead<T>, deadline: Deadline | undefined): Promise<T> {
    next.callers++;
    if (!deadline) return next.promise;
    return deadline.bound(next.promise, () => next.callers--);
  }

  private promote(key: K, read: () => Promise<T>, next: NextRead<T>): Promise<T> {
    this.waiting.delete(key);
    // Every caller's wait is bound to the promise, so this rejection is handled.
    if (next.callers === 0) return Promise.reject(new AbandonedReadError());
    return this.start(key, read);
  }

  private start(key: K, read: () => Promise<T>): Promise<T> {
    let promise: Promise<T>;
    try {
      promise = read();
    } catch (error) {
      promise = Promise.reject(error);
    }
    this.running.set(key, promise);
    const done = () => {
      if (this.running.get(key) === promise) this.running.delete(key);
    };
    promise.then(done, done);
    return promise;
  }
}
