import { type Request, send } from './exchange';
import { meaningOf } from './tenant-id-values';

const PATH = '/api/v3/oc/numbers/removal-status/summary';
const COUNTS = ['markedForRemovalCount', 'readyForRemovalCount', 'totalCount'] as const;

type Summary = Record<(typeof COUNTS)[number], number>;

/** The msTenantId values a request sends, as a server decodes its query string. */
export function msTenantIdValues(request: Pick<Request, 'query' | 'rawQuery'>): string[] {
  if (request.rawQuery !== undefined) return new URLSearchParams(request.rawQuery).getAll('msTenantId');
  const value = request.query?.msTenantId;
  return value === undefined ? [] : typeof value === 'string' ? [value] : [...value];
}

/**
 * The rules of the contract that every 200 summary keeps, whatever the data, so they hold
 * against any instance, one with data the suite cannot know included:
 * - `totalCount` is `markedForRemovalCount` + `readyForRemovalCount`, and no count is negative;
 * - a tenant id means the same tenant in upper and in lower case;
 * - a tenant's counts are never above the counts of all tenants.
 *
 * The last two compare answers to different requests. Against a live instance whose numbers
 * change meanwhile, a difference could be a concurrent change, so a broken rule is asked again
 * and reported only when the second look breaks it too.
 */
export class SummaryRules {
  /** The last all-tenant answer, asked for when a tenant's answer needs it. */
  private all?: Summary;

  constructor(private readonly baseUrl: string) {}

  /**
   * The rules `body` breaks, as the answer (200) to a summary request that sent `values` as
   * msTenantId; empty when it keeps them all.
   */
  async check(body: unknown, values: readonly string[]): Promise<string[]> {
    const meaning = meaningOf(values);
    if (meaning.kind === 'invalid') return [];
    const scope = meaning.kind === 'all' ? 'all tenants' : `msTenantId=${values[0]}`;
    const own = ownProblems(body);
    if (own.length > 0) return own.map((problem) => `${scope}: ${problem}`);
    const summary = body as Summary;
    if (meaning.kind === 'all') {
      this.all = summary;
      return [];
    }

    const sent = values[0];
    const other = sent === sent.toLowerCase() ? sent.toUpperCase() : sent.toLowerCase();
    const problems: string[] = [];
    const caseDiffers = async (answer: Summary) => {
      const otherAnswer = await this.ask(other);
      return differs(answer, otherAnswer) ? otherAnswer : undefined;
    };
    if (await caseDiffers(summary)) {
      const again = await this.ask(sent);
      const otherAgain = await caseDiffers(again);
      if (otherAgain) {
        problems.push(
          `msTenantId=${sent} answers ${show(again)} but msTenantId=${other} answers ${show(otherAgain)}: ` +
            'the letter case of a tenant id must not change the answer',
        );
      }
    }

    const above = async (answer: Summary) => {
      const all = (this.all ??= await this.ask(undefined));
      return { all, counts: COUNTS.filter((count) => answer[count] > all[count]) };
    };
    if ((await above(summary)).counts.length > 0) {
      this.all = undefined;
      const again = await this.ask(sent);
      const { all, counts } = await above(again);
      if (counts.length > 0) {
        problems.push(
          `msTenantId=${sent} answers ${show(again)}, above the ${show(all)} of all tenants ` +
            `(${counts.join(', ')}): one tenant's numbers are among all tenants' numbers`,
        );
      }
    }
    return problems;
  }

  /** The summary for a tenant (undefined: all tenants); it must itself keep the rules. */
  private async ask(msTenantId: string | undefined): Promise<Summary> {
    const exchange = await send(this.baseUrl, {
      method: 'GET',
      path: PATH,
      query: msTenantId === undefined ? {} : { msTenantId },
    });
    const scope = msTenantId === undefined ? 'all tenants' : `msTenantId=${msTenantId}`;
    if (exchange.status !== 200) {
      throw new Error(`The summary for ${scope} answered ${exchange.status}: ${exchange.text.slice(0, 300)}`);
    }
    const own = ownProblems(exchange.body);
    if (own.length > 0) throw new Error(`The summary for ${scope}: ${own.join('; ')}`);
    return exchange.body as Summary;
  }
}

/** What is wrong with one summary by itself: a count missing or negative, a total that is not the sum. */
export function ownProblems(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [`the body is not a summary: ${JSON.stringify(body)}`];
  const summary = body as Record<string, unknown>;
  const problems = COUNTS.flatMap((count) => {
    const value = summary[count];
    if (!Number.isSafeInteger(value)) return [`${count} is not a whole number: ${JSON.stringify(value)}`];
    return (value as number) < 0 ? [`${count} is negative: ${String(value)}`] : [];
  });
  if (problems.length > 0) return problems;
  const { markedForRemovalCount: marked, readyForRemovalCount: ready, totalCount: total } = summary as Summary;
  return total === marked + ready
    ? []
    : [
        `totalCount ${total} is not markedForRemovalCount ${marked} + readyForRemovalCount ${ready} ` +
          `(${marked + ready}) in ${show(summary as Summary)}`,
      ];
}

function differs(a: Summary, b: Summary): boolean {
  return COUNTS.some((count) => a[count] !== b[count]);
}

function show(summary: Summary): string {
  return JSON.stringify(Object.fromEntries(COUNTS.map((count) => [count, summary[count]])));
}
