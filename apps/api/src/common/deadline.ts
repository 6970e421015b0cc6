/** The error of a wait that outlived its deadline. */
export class DeadlineExceededError extends Error {
  readonly code = 'DEADLINE_EXCEEDED';

  constructor(readonly timeoutMs: number) {
    super(`No answer within ${timeoutMs} ms`);
    this.name = 'DeadlineExceededError';
  }
}

/**
 * The moment by which a request must have its answer, however many waits it goes through (a
 * shared query, a pool connection). A wait bounded by it ends at the deadline with a
 * {@link DeadlineExceededError}, while what it waited for goes on for whoever else waits.
 */
export class Deadline {
  private constructor(
    /** On the monotonic clock (`performance.now()`). */
    private readonly at: number,
    private readonly timeoutMs: number,
  ) {}

  /** The deadline `ms` from now. */
  static after(ms: number): Deadline {
    return new Deadline(performance.now() + ms, ms);
  }

  get remainingMs(): number {
    return Math.max(0, this.at - performance.now());
  }

  /**
   * What `promise` settles with, or a {@link DeadlineExceededError} if the deadline comes first.
   * The timer is cleared as soon as either happens, so nothing outlives the wait. `onExpired`
   * is called when the deadline ends the wait.
   */
  bound<T>(promise: Promise<T>, onExpired?: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const remaining = this.remainingMs;
      if (remaining <= 0) {
        // Settle the promise's rejection too, so that abandoning it is never an unhandled rejection.
        promise.catch(() => undefined);
        onExpired?.();
        reject(new DeadlineExceededError(this.timeoutMs));
        return;
      }
      const timer = setTimeout(() => {
        onExpired?.();
        reject(new DeadlineExceededError(this.timeoutMs));
      }, remaining);
      promise.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }
}
