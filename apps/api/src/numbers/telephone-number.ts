/**
 * E.164 as `oc_numbers` holds it (its CHECK constraint): a plus, a first digit 1–9, and 1 to 14
 * more digits. No spaces, dashes or brackets: callers send numbers the way Microsoft lists them.
 */
export const E164_PATTERN = /^\+[1-9][0-9]{1,14}$/;

/** A request names at most this many offending entries; the problem says how many there were. */
export const MAX_NAMED_ENTRIES = 20;

export function isE164(value: unknown): value is string {
  return typeof value === 'string' && E164_PATTERN.test(value);
}

/** One entry of a list a caller sent that cannot be used, and why. */
export interface OffendingEntry {
  /** Its 0-based position in the list (for a CSV body: its 1-based line). */
  readonly at: number;
  /** The value, as JSON would show it, cut to 32 characters. */
  readonly value: string;
  readonly reason: 'not a string' | 'not E.164' | 'duplicate';
}

/**
 * The entries of `values` that are not E.164 strings or repeat an earlier entry, the first
 * `limit` of them, and how many there are in all. `position` maps an index to what the caller
 * should be told (a CSV line number, say).
 */
export function offendingEntries(
  values: readonly unknown[],
  limit = MAX_NAMED_ENTRIES,
  position: (index: number) => number = (index) => index,
): { readonly named: readonly OffendingEntry[]; readonly total: number } {
  const seen = new Set<string>();
  const named: OffendingEntry[] = [];
  let total = 0;
  values.forEach((value, index) => {
    let reason: OffendingEntry['reason'] | undefined;
    if (typeof value !== 'string') reason = 'not a string';
    else if (!E164_PATTERN.test(value)) reason = 'not E.164';
    else if (seen.has(value)) reason = 'duplicate';
    else seen.add(value);
    if (reason === undefined) return;
    total++;
    if (named.length < limit) named.push({ at: position(index), value: shown(value), reason });
  });
  return { named, total };
}

/** A value as the caller would recognise it, short enough for a problem's detail. */
function shown(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 32 ? `${text.slice(0, 31)}…` : text;
}
