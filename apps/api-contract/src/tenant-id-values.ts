import fc from 'fast-check';

/** What DESIGN's rules say of one msTenantId value once the query string is decoded. */
export type Meaning = { kind: 'all' } | { kind: 'tenant'; tenant: string } | { kind: 'invalid' };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The rules, written independently of the service: blank means all tenants, a GUID one tenant. */
export function meaningOf(values: readonly string[]): Meaning {
  if (values.length === 0) return { kind: 'all' };
  if (values.length > 1) return { kind: 'invalid' };
  const [value] = values;
  if (value.trim() === '') return { kind: 'all' };
  if (GUID.test(value)) return { kind: 'tenant', tenant: value.toLowerCase() };
  return { kind: 'invalid' };
}

/** A generated request: the query string as sent and the msTenantId values it decodes to. */
export interface GeneratedQuery {
  readonly label: string;
  readonly rawQuery: string;
  readonly values: readonly string[];
}

const HEX = [...'0123456789abcdefABCDEF'];
const WHITE_SPACE = [' ', '\t', '\n', '\r', '\v', '\f', '\u00a0', '\u2003', '\u3000', '\ufeff', '\u2028'];
const HOSTILE = [
  "' OR '1'='1",
  "'; DROP TABLE oc_numbers; --",
  '1; SELECT pg_sleep(10)',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '${jndi:ldap://x}',
  '{{7*7}}',
  '../../etc/passwd',
  '%00',
  '\u0000',
  'null',
  'undefined',
  '[object Object]',
  '__proto__',
];

const caseMixed = (value: string) =>
  fc
    .array(fc.boolean(), { minLength: value.length, maxLength: value.length })
    .map((upper) => [...value].map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join(''));

/** GUIDs of any version and variant, in any mix of letter cases. */
const guid = fc
  .tuple(...[8, 4, 4, 4, 12].map((n) => fc.string({ unit: fc.constantFrom(...HEX), minLength: n, maxLength: n })))
  .map((parts) => parts.join('-'));
const anyGuid = fc.oneof(fc.uuid(), guid).chain(caseMixed);

/** A GUID with one thing wrong: a character dropped, added or replaced, braces, a prefix, spaces. */
const nearMiss = fc
  .tuple(fc.uuid(), fc.nat(35), fc.constantFrom('drop', 'add', 'replace', 'braces', 'urn', 'pad', 'nodash'))
  .map(([id, at, how]) => {
    switch (how) {
      case 'drop':
        return id.slice(0, at) + id.slice(at + 1);
      case 'add':
        return id.slice(0, at) + 'a' + id.slice(at);
      case 'replace':
        return id.slice(0, at) + (id[at] === '-' ? 'x' : 'g') + id.slice(at + 1);
      case 'braces':
        return `{${id}}`;
      case 'urn':
        return `urn:uuid:${id}`;
      case 'pad':
        return ` ${id}`;
      default:
        return id.replace(/-/g, '');
    }
  });

const blank = fc.string({ unit: fc.constantFrom(...WHITE_SPACE), maxLength: 20 });
const unicode = fc.string({ unit: 'binary', maxLength: 40 });
const long = fc
  .tuple(fc.constantFrom('a', ' ', '0', '-', 'é', '𝟘'), fc.integer({ min: 37, max: 4000 }))
  .map(([c, n]) => c.repeat(n));
const hostile = fc.constantFrom(...HOSTILE);

/** One msTenantId value of any kind above. */
export const tenantIdValue = fc.oneof(anyGuid, nearMiss, blank, unicode, long, hostile, fc.constant(''));

/** Percent-encoding by hand: every character, some, or invalid sequences. */
const percentEncoded = fc
  .tuple(fc.oneof(anyGuid, blank, nearMiss), fc.constantFrom('all', 'some', 'plus', 'broken', 'lower'))
  .map(([value, how]) => {
    const encodeAll = (s: string) =>
      [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
    switch (how) {
      case 'all':
        return encodeAll(value);
      case 'lower':
        return encodeAll(value).toLowerCase();
      case 'some':
        return [...value].map((c, i) => (i % 3 === 0 ? encodeAll(c) : encodeURIComponent(c))).join('');
      case 'plus':
        return encodeURIComponent(value).replace(/%20/g, '+');
      default:
        return `${encodeURIComponent(value)}%${HEX[value.length % HEX.length]}`;
    }
  });

/**
 * Query strings past this never reach a route: Node refuses request heads over 16 KiB (431, a
 * case of its own in the service's HTTP tests), as the contract's maxLength on msTenantId says.
 */
const MAX_QUERY_LENGTH = 15_000;

/** Queries with msTenantId once (encoded properly or by hand), repeated, or absent among others. */
export const generatedQuery: fc.Arbitrary<GeneratedQuery> = fc
  .oneof(
    {
      weight: 6,
      arbitrary: tenantIdValue.map((v) => query('value', new URLSearchParams({ msTenantId: v }).toString())),
    },
    { weight: 2, arbitrary: percentEncoded.map((raw) => query('percent-encoded', `msTenantId=${raw}`)) },
    {
      weight: 1,
      arbitrary: fc
        .array(tenantIdValue, { minLength: 2, maxLength: 4 })
        .map((vs) => query('repeated', vs.map((v) => new URLSearchParams({ msTenantId: v }).toString()).join('&'))),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.option(tenantIdValue, { nil: undefined }), fc.constantFrom('msTenantID', 'mstenantid', 'tenant', 'x'))
        .map(([v, other]) => {
          const params = new URLSearchParams({ [other]: 'ignored' });
          if (v !== undefined) params.append('msTenantId', v);
          return query('other parameters', params.toString());
        }),
    },
  )
  .filter((generated) => generated.rawQuery.length <= MAX_QUERY_LENGTH);

/** The values a WHATWG URL parser decodes from the query string: what any server should see. */
function query(label: string, rawQuery: string): GeneratedQuery {
  return { label, rawQuery, values: new URLSearchParams(rawQuery).getAll('msTenantId') };
}
