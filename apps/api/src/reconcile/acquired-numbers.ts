import { ProblemException } from '../problem/problem';
import { problem } from '../problem/problem-catalogue';
import { MAX_NAMED_ENTRIES, offendingEntries, type OffendingEntry } from '../numbers/telephone-number';

/** The most numbers one reconciliation takes: the largest tenant Microsoft lists, with room. */
export const MAX_ACQUIRED_NUMBERS = 1_000_000;

/** The media types a reconciliation's body may have. */
export const ACQUIRED_NUMBERS_MEDIA_TYPES = ['application/json', 'text/csv'] as const;

/**
 * The list a caller sent, checked: an array of distinct E.164 numbers, at most
 * MAX_ACQUIRED_NUMBERS. Anything else is a ProblemException that names what is wrong (and, for
 * entries, the first MAX_NAMED_ENTRIES of them with their position), so nothing is changed.
 */
export function acquiredNumbersOf(contentType: string | undefined, body: unknown): string[] {
  const mediaType = contentType?.split(';', 1)[0].trim().toLowerCase();
  if (mediaType === 'text/csv' && typeof body === 'string') return fromCsv(body);
  if (mediaType === 'application/json') return fromJson(body);
  throw new ProblemException(
    problem('UNSUPPORTED_MEDIA_TYPE', { message: 'Send the acquired numbers as application/json or text/csv.' }),
  );
}

function fromJson(body: unknown): string[] {
  const list: unknown =
    typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>).acquiredNumbers
      : undefined;
  if (!Array.isArray(list)) {
    throw new ProblemException(
      problem('INVALID_REQUEST_BODY', {
        message: 'The body must be a JSON object with an acquiredNumbers array of E.164 numbers.',
      }),
    );
  }
  refuseTooMany(list.length);
  refuseOffending(list, 'entries of acquiredNumbers', (entry) => `[${entry.at}] ${entry.value}: ${entry.reason}`);
  return list as string[];
}

/**
 * One number a line. The first line may be a header (anything that does not start with `+`,
 * such as `telephoneNumber`); a blank last line (the final line break) is allowed, and so are
 * Windows line breaks and white space around a number. Any other line must be a number.
 */
function fromCsv(body: string): string[] {
  const lines = body.split('\n');
  if (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  const first = lines.length > 0 ? lines[0].trim() : '';
  const skipHeader = first !== '' && !first.startsWith('+') && !/^\d/.test(first) ? 1 : 0;
  refuseTooMany(lines.length - skipHeader);
  const values = lines.slice(skipHeader).map((line) => line.trim());
  refuseOffending(
    values,
    'lines of the CSV body',
    (entry) => `line ${entry.at} ${entry.value}: ${entry.reason}`,
    (index) => index + 1 + skipHeader,
  );
  return values;
}

function refuseTooMany(count: number): void {
  if (count > MAX_ACQUIRED_NUMBERS) {
    throw new ProblemException(problem('TOO_MANY_NUMBERS', { count, max: MAX_ACQUIRED_NUMBERS }));
  }
}

function refuseOffending(
  values: readonly unknown[],
  what: string,
  describe: (entry: OffendingEntry) => string,
  position?: (index: number) => number,
): void {
  const { named, total } = offendingEntries(values, MAX_NAMED_ENTRIES, position);
  if (total === 0) return;
  throw new ProblemException(
    problem('INVALID_ACQUIRED_NUMBERS', {
      count: total,
      what,
      named: named.length,
      entries: named.map(describe).join('; '),
    }),
  );
}
