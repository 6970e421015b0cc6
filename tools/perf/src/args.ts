import { exitOnInterrupt } from './interrupt';

/** A bad command line: the tools print the message and their usage, and exit with status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type ParsedArgs = Map<string, string | true>;

/**
 * Splits `--name value`, `--name=value` and bare `--flag` into a map. Only the options in
 * `known` are accepted (with whether each takes a value), so a typo is an error, not ignored.
 */
export function parseArgs(argv: readonly string[], known: Readonly<Record<string, 'value' | 'flag'>>): ParsedArgs {
  const parsed: ParsedArgs = new Map();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const match = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (!match) throw new UsageError(`Unexpected argument "${arg}"`);
    const [, name, inline] = match;
    const kind = known[name];
    if (!kind) throw new UsageError(`Unknown option --${name}`);
    if (parsed.has(name)) throw new UsageError(`--${name} is given twice`);
    if (kind === 'flag') {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      parsed.set(name, true);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) {
      throw new UsageError(`--${name} needs a value`);
    }
    parsed.set(name, value);
  }
  return parsed;
}

/** A count such as `10000`, `10_000`, `10k`, `1m` or `1.5M`. */
export function parseCount(name: string, raw: string, { min = 1, max = Number.MAX_SAFE_INTEGER } = {}): number {
  const match = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(raw.replace(/_/g, ''));
  const value = match
    ? Math.round(Number(match[1]) * ({ k: 1e3, m: 1e6 }[match[2].toLowerCase() as 'k' | 'm'] ?? 1))
    : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(
      `--${name} must be a whole number from ${min} to ${max}, e.g. 10000, 10k or 1m (got "${raw}")`,
    );
  }
  return value;
}

/** `--database-url`: `sqlite:<path>` or a `postgres://` URL. */
export function parseDatabaseUrl(raw: string | undefined): string {
  if (!raw || !/^(sqlite:|postgres(ql)?:\/\/)/.test(raw)) {
    throw new UsageError('--database-url must be sqlite:<path> or a postgres:// URL');
  }
  return raw;
}

/** `--env`: settings as `NAME=VALUE` pairs separated by commas (none: empty). */
export function parseEnvList(raw: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of (raw ?? '').split(',').filter(Boolean)) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(pair.trim());
    if (!match) throw new UsageError(`--env takes NAME=VALUE pairs separated by commas (got "${pair}")`);
    env[match[1]] = match[2];
  }
  return env;
}

/** A fraction from 0 to 1, as `0.015` or `1.5%`. */
export function parseFraction(name: string, raw: string): number {
  const percent = raw.endsWith('%');
  const value = /^\d+(\.\d+)?%?$/.test(raw) ? Number(percent ? raw.slice(0, -1) : raw) / (percent ? 100 : 1) : NaN;
  if (!(value >= 0 && value <= 1)) {
    throw new UsageError(`--${name} must be a fraction from 0 to 1, e.g. 0.01 or 1% (got "${raw}")`);
  }
  return value;
}

/** How a count is written in names and tables: 10k, 1m, 10m, 1500. */
export function formatCount(n: number): string {
  if (n >= 1e6 && n % 1e6 === 0) return `${n / 1e6}m`;
  if (n >= 1e3 && n % 1e3 === 0) return `${n / 1e3}k`;
  return String(n);
}

export interface Output {
  readonly out: { write(text: string): unknown };
  readonly err: { write(text: string): unknown };
}

export interface Command<T> {
  /** The command's name, at the start of its messages. */
  readonly name: string;
  readonly usage: string;
  /** Reads the options (throws UsageError on a bad one), or asks for the usage. */
  parse(): T | 'help';
  run(options: T): Promise<void>;
  /** Failures that are the user's to fix, told without "failed:". */
  readonly expected?: (error: unknown) => boolean;
}

/**
 * Runs a command line tool; resolves with its exit status: 2 and the usage on a bad argument,
 * 0 with the usage for --help, 1 when the run fails.
 */
export async function runCommand<T>(command: Command<T>, { out, err }: Output): Promise<number> {
  let options: T | 'help';
  try {
    options = command.parse();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err.write(`${command.name}: ${error.message}\n\n${command.usage}`);
    return 2;
  }
  if (options === 'help') {
    out.write(command.usage);
    return 0;
  }
  try {
    await command.run(options);
    return 0;
  } catch (error) {
    const failed = command.expected?.(error) ? '' : 'failed: ';
    err.write(`\n${command.name}: ${failed}${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/**
 * Ends the process with the status a command resolves with; interrupted, once what it started is
 * stopped (see exitOnInterrupt).
 */
export function exitWith(status: Promise<number>): void {
  exitOnInterrupt();
  status.then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
