/**
 * Coalesces identical concurrent reads into one, without ever answering a caller with a read
 * that started before the caller asked.
 *
 * Per key, at most one read runs. A caller joins the read that is waiting to start, or starts
 * one when none runs; a caller that arrives while a read runs waits for it to finish and shares
 * the next one, which starts after it arrived. So a change committed before a caller asked is
 * always in its answer (the read's snapshot is taken after the caller arrived), and under load
 * each key costs the database at most one query at a time, however many callers there are.
 */
export class SingleFlight<K, T> {
  private readonly running = new Map<K, Promise<T>>();
  private readonly waiting = new Map<K, Promise<T>>();

  /** Resolves with the result of `read()` started after this call, possibly shared with others. */
  run(key: K, read: () => Promise<T>): Promise<T> {
    const waiting = this.waiting.get(key);
    if (waiting) return waiting;
    const running = this.running.get(key);
    if (!running) return this.start(key, read);
    const next = running.then(
      () => this.promote(key, read),
      () => this.promote(key, read),
    );
    this.waiting.set(key, next);
    return next;
  }

  /** How many keys have a read running; for tests and diagnostics. */
  get size(): number {
    return this.running.size;
  }

  private promote(key: K, read: () => Promise<T>): Promise<T> {
    this.waiting.delete(key);
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
