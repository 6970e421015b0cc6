import type { Reconciliation } from '@oc-numbers/contracts';
import { readFileSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { userInfo } from 'node:os';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './database/data-source-options';
import { isPostgres } from './database/dialect';
import { type Output, reason, SILENT, startCommand, UsageError } from './migrate-cli';
import { ProblemException } from './problem/problem';
import { acquiredNumbersOf } from './reconcile/acquired-numbers';
import { ReconcileRepository } from './reconcile/reconcile.repository';
import { ReconcileService } from './reconcile/reconcile.service';

export const RECONCILE_USAGE = `Usage: npm run reconcile -- --tenant <GUID> --file <numbers.csv|numbers.json> [options]

On a deploy target (the build and production dependencies only):
       node dist/apps/api/src/reconcile.js --tenant <GUID> --file <file> [options]

Reconciles one tenant's numbers with the complete list Microsoft reports as acquired for it:
Active numbers missing from the list are marked for removal, marked numbers present again are
Active again, other statuses stay, numbers the inventory does not hold are reported as unknown.
A list that would mark more than RECONCILE_MAX_REMOVAL_SHARE of the tenant's Active numbers
(default 0.2), or an empty list, is refused unless --confirm-mass-removal is given.

  --tenant <GUID>           the customer's Microsoft Entra tenant id
  --file <path>             the list: CSV (one number a line, optional header line) or, for a
                            file ending in .json, {"acquiredNumbers": [...]}; at most 1,000,000
  --dry-run                 say what would change, and change nothing
  --confirm-mass-removal    reconcile even a list the mass-removal guard refuses
  --base-url <URL>          send the list to a running service (POST .../numbers/reconcile);
                            without it, work on the database of DATABASE_URL directly, with the
                            service's own code and settings
  --help, -h                this text

Progress goes to standard error (a bar on a terminal, plain lines otherwise); the summary table
to standard output.

Exit status: 0 reconciled (or, with --dry-run, what would change shown); 1 refused (the
mass-removal guard, or a list that cannot be used: nothing changed); 2 bad usage; 3 failed (a
bad setting, the service or the database unreachable, an unexpected answer).
`;

const GUID = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;

export interface ReconcileArgs {
  readonly tenant: string;
  readonly file: string;
  readonly dryRun: boolean;
  readonly confirmMassRemoval: boolean;
  readonly baseUrl?: string;
}

/** The command line, or 'help'; throws UsageError on anything else. */
export function parseReconcileArgs(argv: readonly string[]): ReconcileArgs | 'help' {
  if (argv.some((arg) => arg === '--help' || arg === '-h')) return 'help';
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--dry-run' || arg === '--confirm-mass-removal') {
      flags.add(arg);
    } else if (arg === '--tenant' || arg === '--file' || arg === '--base-url') {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      if (arg in values) throw new UsageError(`${arg} given twice`);
      values[arg] = value;
    } else if (arg.startsWith('-')) {
      throw new UsageError(`Unknown option ${arg}`);
    } else {
      throw new UsageError(`Unexpected argument "${arg}"`);
    }
  }
  const tenant = values['--tenant'];
  const file = values['--file'];
  if (tenant === undefined) throw new UsageError('Say which tenant: --tenant <GUID>');
  if (!GUID.test(tenant)) throw new UsageError(`--tenant must be a GUID in the 8-4-4-4-12 form (got "${tenant}")`);
  if (file === undefined) throw new UsageError('Say where the list is: --file <numbers.csv>');
  const baseUrl = values['--base-url'];
  if (baseUrl !== undefined && !/^https?:\/\/[^/\s]+/.test(baseUrl)) {
    throw new UsageError(`--base-url must be an http:// or https:// URL (got "${baseUrl}")`);
  }
  return {
    tenant,
    file,
    dryRun: flags.has('--dry-run'),
    confirmMassRemoval: flags.has('--confirm-mass-removal'),
    ...(baseUrl !== undefined && { baseUrl }),
  };
}

/** The outcome of one reconciliation, however it was reached. */
type Outcome =
  | { readonly kind: 'done'; readonly reconciliation: Reconciliation }
  | { readonly kind: 'refused'; readonly status: number; readonly detail: string }
  | { readonly kind: 'failed'; readonly message: string };

/**
 * Reconciles a tenant with the list in a file, through a running service or directly on the
 * database of DATABASE_URL; resolves with the exit status.
 */
export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  output: Output & { readonly progress?: ProgressStream } = { out: process.stdout, err: process.stderr },
): Promise<number> {
  const start = startCommand('reconcile', RECONCILE_USAGE, parseReconcileArgs, argv, env, output, 3);
  if (typeof start === 'number') return start;
  const { command: args, config, say, fail } = start;
  const progress = new ProgressLine(output.progress ?? (output.err as ProgressStream));

  let body: string;
  try {
    const size = statSync(args.file).size;
    progress.show('reading', 0, size);
    body = readFileSync(args.file, 'utf8');
    progress.show('reading', size, size);
  } catch (error) {
    progress.end();
    return fail(`Cannot read ${args.file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const contentType = args.file.toLowerCase().endsWith('.json') ? 'application/json' : 'text/csv';

  let outcome: Outcome;
  if (args.baseUrl !== undefined) {
    outcome = await overHttp(args, body, contentType, progress);
  } else {
    // The same checks and the same service code as the HTTP operation.
    let numbers: string[];
    try {
      numbers = acquiredNumbersOf(contentType, contentType === 'text/csv' ? body : parseJson(body));
    } catch (error) {
      progress.end();
      if (error instanceof ProblemException) return refused(error.problem.detail, output);
      throw error;
    }
    progress.waiting(`${numbers.length.toLocaleString('en-US')} numbers checked; reconciling`);
    const dataSource = new DataSource({ ...dataSourceOptions({ ...config, migrationsRun: false }), logger: SILENT });
    try {
      await dataSource.initialize();
      const service = new ReconcileService(new ReconcileRepository(dataSource), config);
      const reconciliation = await service.reconcile({
        msTenantId: args.tenant,
        numbers,
        dryRun: args.dryRun,
        confirmMassRemoval: args.confirmMassRemoval,
        caller: `cli:${safeUser()}`,
      });
      outcome = { kind: 'done', reconciliation };
    } catch (error) {
      outcome =
        error instanceof ProblemException && error.problem.status < 500
          ? { kind: 'refused', status: error.problem.status, detail: error.problem.detail }
          : {
              kind: 'failed',
              message:
                `${start.target}: ${reason(error, config)}` +
                (isPostgres(config.database) || !/no such table/i.test(reason(error, config))
                  ? ''
                  : ' (are the migrations applied? npm run migrate)'),
            };
    } finally {
      await dataSource.destroy().catch(() => undefined);
    }
  }
  progress.end();
  if (outcome.kind === 'failed') return fail(outcome.message);
  if (outcome.kind === 'refused') return refused(outcome.detail, output);
  for (const line of summaryTable(outcome.reconciliation)) say(line);
  return 0;
}

function refused(detail: string, { err }: Output): number {
  err.write(`reconcile: refused: ${detail}\n`);
  return 1;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** Sends the file to the service, showing the upload's progress; the answer is the outcome. */
function overHttp(args: ReconcileArgs, body: string, contentType: string, progress: ProgressLine): Promise<Outcome> {
  const url = new URL(
    `/api/v3/oc/tenants/${args.tenant}/numbers/reconcile?dryRun=${args.dryRun}&confirmMassRemoval=${args.confirmMassRemoval}`,
    args.baseUrl,
  );
  const bytes = Buffer.from(body, 'utf8');
  return new Promise((resolve) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const call = send(
      url,
      { method: 'POST', headers: { 'content-type': contentType, 'content-length': bytes.length } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let answer: Record<string, unknown> = {};
          try {
            answer = JSON.parse(text) as Record<string, unknown>;
          } catch {
            // Not JSON: reported below by its status.
          }
          const status = response.statusCode ?? 0;
          if (status === 200) resolve({ kind: 'done', reconciliation: answer as unknown as Reconciliation });
          else if (status >= 400 && status < 500 && status !== 429 && typeof answer.detail === 'string') {
            resolve({ kind: 'refused', status, detail: `${answer.detail} (${status} ${String(answer.errorCode)})` });
          } else {
            const detail = typeof answer.detail === 'string' ? `: ${answer.detail}` : '';
            resolve({ kind: 'failed', message: `${url.origin} answered ${status}${detail}` });
          }
        });
      },
    );
    call.on('error', (error) => resolve({ kind: 'failed', message: `Cannot reach ${url.origin}: ${error.message}` }));
    const CHUNK = 256 * 1024;
    let sent = 0;
    const write = () => {
      while (sent < bytes.length) {
        const chunk = bytes.subarray(sent, sent + CHUNK);
        sent += chunk.length;
        progress.show('sending', sent, bytes.length);
        if (!call.write(chunk)) {
          call.once('drain', write);
          return;
        }
      }
      progress.waiting('sent; the service is reconciling');
      call.end();
    };
    write();
  });
}

/** The answer as a table for the operator. */
export function summaryTable(r: Reconciliation): string[] {
  const count = (value: number) => value.toLocaleString('en-US');
  const rows: Array<[string, string]> = [
    ['tenant', r.msTenantId],
    ['reconciliation', r.reconciliationId ?? '(dry run: nothing changed)'],
    ['acquired (listed)', count(r.acquiredCount)],
    ['active before', count(r.activeCount)],
    [r.dryRun ? 'would mark' : 'marked', count(r.markedCount)],
    [r.dryRun ? 'would restore' : 'restored', count(r.restoredCount)],
    ['unchanged', count(r.unchangedCount)],
    ['unknown', count(r.unknownCount)],
    ['mass-removal guard', `${r.massRemovalGuard} (share ${r.maxRemovalShare})`],
    ['took', `${count(r.durationMs)} ms`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`);
  const samples = (['marked', 'restored', 'unknown'] as const)
    .filter((kind) => r[kind].length > 0)
    .map((kind) => `  first ${kind}: ${r[kind].slice(0, 5).join(', ')}${r[kind].length > 5 ? ', …' : ''}`);
  return [r.dryRun ? 'Dry run: what the reconciliation would do' : 'Reconciled', ...lines, ...samples];
}

export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * One progress line on standard error: a bar redrawn in place on a terminal (a phase without a
 * total shows the time only), a plain line per phase and every few seconds otherwise.
 */
export class ProgressLine {
  private readonly started = Date.now();
  private lastDraw = 0;
  private lastPhase = '';
  private drawn = false;
  private timer?: NodeJS.Timeout;

  constructor(private readonly stream: ProgressStream) {}

  show(phase: string, done: number | undefined, total?: number): void {
    const now = Date.now();
    const tty = this.stream.isTTY === true;
    const newPhase = phase !== this.lastPhase;
    if (!newPhase && now - this.lastDraw < (tty ? 100 : 5000) && done !== total) return;
    this.lastDraw = now;
    this.lastPhase = phase;
    const seconds = ((now - this.started) / 1000).toFixed(1);
    let text = `${phase} ${seconds} s`;
    if (done !== undefined && total !== undefined) {
      const share = total > 0 ? done / total : 1;
      const width = 30;
      const filled = Math.round(share * width);
      text =
        `${phase} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ` +
        `${(done / 1048576).toFixed(1)}/${(total / 1048576).toFixed(1)} MiB ${seconds} s`;
    }
    if (tty) {
      this.stream.write(`\r${text}\x1b[K`);
      this.drawn = true;
    } else {
      this.stream.write(`${text}\n`);
    }
  }

  /** A phase whose end is not known (the reconciliation itself): its time, redrawn until `end`. */
  waiting(phase: string): void {
    this.show(phase, undefined);
    clearInterval(this.timer);
    this.timer = setInterval(() => this.show(phase, undefined), 200);
    this.timer.unref();
  }

  end(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}
