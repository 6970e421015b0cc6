import { type VerificationKey, usableKeysOf } from './token-keys';

export interface JwksOptions {
  /** The longest one fetch may take. */
  readonly timeoutMs: number;
  /** The least time between two fetches. */
  readonly cooldownS: number;
  /** How old the keys held may grow before they are fetched again. */
  readonly maxAgeS: number;
}

export interface JwksLogger {
  warn(message: string): void;
  log(message: string): void;
}

/** Fetches a document for the cache; `fetch` but for tests. */
export type JwksFetch = (url: URL, signal: AbortSignal) => Promise<unknown>;

async function fetchJson(url: URL, signal: AbortSignal): Promise<unknown> {
  const response = await fetch(url, { signal, headers: { accept: 'application/json' }, redirect: 'error' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

/**
 * The keys of a JWK set URL, held in memory. They are fetched at the first need, again when a
 * token names a key id they do not hold (at most once per cooldown) and when they are older than
 * their maximum age (at the next token, also at most once per cooldown). Each fetch is bounded
 * by a timeout; concurrent needs share the one fetch that runs. When a fetch fails, the keys held
 * keep serving, and the failure is logged once until a fetch succeeds again.
 */
export class JwksCache {
  private held: readonly VerificationKey[] = [];
  private fetchedAt: number | undefined;
  private lastAttempt: number | undefined;
  private running: Promise<void> | undefined;
  private failing = false;
  /** How many fetches were started; for tests and diagnostics. */
  fetches = 0;

  constructor(
    private readonly url: URL,
    private readonly options: JwksOptions,
    private readonly logger: JwksLogger,
    private readonly now: () => number = Date.now,
    private readonly fetchDocument: JwksFetch = fetchJson,
  ) {}

  /** The keys held now, fetched first when there are none yet or they are too old (and the cooldown allows). */
  async keys(): Promise<readonly VerificationKey[]> {
    const stale = this.fetchedAt === undefined || this.now() - this.fetchedAt >= this.options.maxAgeS * 1000;
    if (stale && this.mayFetch()) await this.refresh();
    return this.held;
  }

  /**
   * Fetches the keys again for a key id they do not hold, unless the last fetch is more recent
   * than the cooldown; says whether a fetch happened (then the caller looks again).
   */
  async refreshForUnknownKey(): Promise<boolean> {
    if (!this.mayFetch()) return false;
    await this.refresh();
    return true;
  }

  private mayFetch(): boolean {
    if (this.running) return true;
    return this.lastAttempt === undefined || this.now() - this.lastAttempt >= this.options.cooldownS * 1000;
  }

  /** One fetch at a time: a caller that arrives while one runs waits for it. Never rejects. */
  private refresh(): Promise<void> {
    this.running ??= this.fetchOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async fetchOnce(): Promise<void> {
    this.lastAttempt = this.now();
    this.fetches++;
    try {
      const keys = usableKeysOf(await this.fetchDocument(this.url, AbortSignal.timeout(this.options.timeoutMs)));
      if (keys.length === 0) throw new Error('it holds no RSA or EC signature key');
      this.held = keys;
      this.fetchedAt = this.now();
      if (this.failing) this.logger.log(`The signing keys of ${this.url.origin} are fetched again (${keys.length})`);
      this.failing = false;
    } catch (error) {
      if (!this.failing) {
        const reason = (error as { name?: unknown } | null)?.name === 'TimeoutError' ? 'timed out' : messageOf(error);
        this.logger.warn(
          `The signing keys could not be fetched from ${this.url.href} (${reason}); ` +
            `the ${this.held.length} key(s) held keep serving, and the fetch is tried again at most every ` +
            `${this.options.cooldownS} s`,
        );
      }
      this.failing = true;
    }
  }
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
