/** What an interrupted command must undo before it exits: the servers it started, and their folders. */
const undo = new Set<() => Promise<unknown>>();

/**
 * Registers `cleanup` to run if the command is interrupted (SIGINT, SIGTERM) before the returned
 * function is called: a server the command started, stopped by the command itself otherwise.
 */
export function onInterrupt(cleanup: () => Promise<unknown>): () => void {
  // An entry of its own, so that the same cleanup registered twice is forgotten once at a time.
  const entry = () => cleanup();
  undo.add(entry);
  return () => undo.delete(entry);
}

/**
 * `stop`, run by an interrupt until it has been called itself: how a command stops what it
 * started, whether it ends or is interrupted, and never twice.
 */
export function stopOnInterrupt<T>(stop: () => Promise<T>): () => Promise<T> {
  const forget = onInterrupt(stop);
  return () => {
    forget();
    return stop();
  };
}

export interface InterruptHooks {
  readonly on: (signal: NodeJS.Signals, listener: () => void) => unknown;
  readonly exit: (code: number) => void;
  readonly err: { write(text: string): unknown };
}

/**
 * SIGINT and SIGTERM end the command once everything registered with {@link onInterrupt} is
 * undone, with the status a shell gives a process killed by that signal (130, 143): an
 * interrupted benchmark leaves no service, ceiling or PostgreSQL server running, nor a copy of
 * the database behind. A second signal meanwhile ends it at once (Node's default).
 */
export function exitOnInterrupt(
  hooks: InterruptHooks = {
    on: (signal, listener) => process.once(signal, listener),
    exit: process.exit,
    err: process.stderr,
  },
): void {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    hooks.on(signal, () => {
      hooks.err.write(`\n${signal}: stopping what this command started\n`);
      const cleanups = [...undo];
      undo.clear();
      void Promise.allSettled(cleanups.map((cleanup) => cleanup())).then(() => hooks.exit(code));
    });
  }
}
