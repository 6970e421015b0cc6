import { GUID_EXAMPLE } from '../common/validation';
import { offendingEntries, type OffendingEntry } from '../numbers/telephone-number';
import { ProblemException } from '../problem/problem';
import { problem } from '../problem/problem-catalogue';

/** The most numbers one action request names, as the vendor's. */
export const MAX_ACTION_NUMBERS = 500;

/** What an action applies to: named numbers, or (final removal only) every fitting number of a tenant. */
export type ActionTarget = { readonly telephoneNumbers: readonly string[] } | { readonly msTenantId: string };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const SHAPE = `a JSON object with telephoneNumbers, an array of 1 to ${MAX_ACTION_NUMBERS} E.164 numbers`;

/**
 * Reads an action's body, or throws the 400 problem that says what is wrong with it: the body
 * is refused whole, so nothing changes. Unknown fields are refused rather than ignored, so that a
 * misspelt field is never taken for an empty request. `tenantForm`: final removal also accepts
 * `{"msTenantId": "…"}` (exactly one of the two forms).
 */
export function actionTarget(body: unknown, tenantForm: boolean): ActionTarget {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidBody(`The body must be ${SHAPE}${tenantForm ? ', or with msTenantId' : ''}.`);
  }
  const known = tenantForm ? ['telephoneNumbers', 'msTenantId'] : ['telephoneNumbers'];
  const unknown = Object.keys(body).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    const named = unknown.slice(0, 5).map((key) => JSON.stringify(key.length > 32 ? `${key.slice(0, 31)}…` : key));
    throw invalidBody(
      `The body has ${unknown.length === 1 ? 'a field' : 'fields'} the operation does not know: ` +
        `${named.join(', ')}${unknown.length > named.length ? ` and ${unknown.length - named.length} more` : ''}; ` +
        `it takes ${known.join(tenantForm ? ' or ' : '')} only.`,
    );
  }
  const fields = body as Record<string, unknown>;
  if (tenantForm && 'msTenantId' in fields) {
    if ('telephoneNumbers' in fields) {
      throw invalidBody('The body must have telephoneNumbers or msTenantId, not both.');
    }
    const tenant = fields.msTenantId;
    if (typeof tenant !== 'string' || !GUID.test(tenant)) {
      throw new ProblemException(
        problem('INVALID_MS_TENANT_ID', {
          rule: `must be a GUID in the 8-4-4-4-12 hexadecimal form, for example ${GUID_EXAMPLE}.`,
        }),
      );
    }
    return { msTenantId: tenant.toLowerCase() };
  }
  const numbers = fields.telephoneNumbers;
  if (numbers === undefined) {
    throw invalidBody(`telephoneNumbers is missing: the body must be ${SHAPE}${tenantForm ? ', or msTenantId' : ''}.`);
  }
  if (!Array.isArray(numbers)) {
    throw invalidBody(`telephoneNumbers must be an array of 1 to ${MAX_ACTION_NUMBERS} E.164 numbers.`);
  }
  if (numbers.length === 0 || numbers.length > MAX_ACTION_NUMBERS) {
    throw invalidBody(`telephoneNumbers must hold 1 to ${MAX_ACTION_NUMBERS} numbers (got ${numbers.length}).`);
  }
  const offending = offendingEntries(numbers);
  if (offending.total > 0) throw invalidNumbers(offending.named, offending.total);
  return { telephoneNumbers: numbers as string[] };
}

function invalidBody(message: string): ProblemException {
  return new ProblemException(problem('INVALID_REQUEST_BODY', { message }));
}

const REASON_WORDS: Readonly<Record<OffendingEntry['reason'], string>> = {
  'not a string': 'is not a string',
  'not E.164': 'is not E.164',
  duplicate: 'is a duplicate',
};

/** The 400 naming the offending entries (the first of them) and how many there are. */
function invalidNumbers(named: readonly OffendingEntry[], total: number): ProblemException {
  const listed = named.map((entry) => `[${entry.at}] ${entry.value} ${REASON_WORDS[entry.reason]}`).join('; ');
  const more = total > named.length ? `; and ${total - named.length} more` : '';
  return new ProblemException(
    problem('INVALID_TELEPHONE_NUMBERS', {
      count: total,
      entries: total === 1 ? 'entry' : 'entries',
      named: `${listed}${more}`,
    }),
    { offendingCount: String(total) },
  );
}

/** The media type of a body the actions read. */
export function isJsonMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  return contentType.split(';', 1)[0].trim().toLowerCase() === 'application/json';
}
