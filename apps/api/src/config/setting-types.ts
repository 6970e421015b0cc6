import { z } from 'zod';
import { type DatabaseConfig, parseDatabaseUrl } from '../database/dialect';

/**
 * A kind of setting value: how to read it from the variable's text, and what it accepts, for
 * the documentation. A schema reads the trimmed, non-blank text; its issues are worded to follow
 * the variable's name ("PORT must be …").
 */
export interface SettingType<T> {
  readonly schema: z.ZodType<T, string>;
  /** What values it accepts, as the documentation says it (`backticks` for literal values). */
  readonly accepts: string;
}

/** A value read by `read`, or an issue `problem` words from the text. */
function readWith<T>(read: (text: string) => T | undefined, problem: (text: string) => string): z.ZodType<T, string> {
  return z.string().transform((text, context) => {
    const value = read(text);
    if (value === undefined) {
      context.issues.push({ code: 'custom', input: text, message: problem(text) });
      return z.NEVER;
    }
    return value;
  });
}

const got = (text: string) => `(got "${text}")`;

/** A whole number of digits only, from `min` to `max`. */
export function wholeNumber(min: number, max: number, unit?: 'ms'): SettingType<number> {
  return {
    schema: readWith(
      (text) => {
        const number = /^\d+$/.test(text) ? Number(text) : NaN;
        return Number.isSafeInteger(number) && number >= min && number <= max ? number : undefined;
      },
      (text) => `must be a whole number from ${min} to ${max} ${got(text)}`,
    ),
    accepts: `${min}..${max}${unit ? ` ${unit}` : ''}`,
  };
}

/** A share from 0 to 1 as a decimal number with at most 6 decimals, e.g. `0.2` (20 %). */
export function share(): SettingType<number> {
  return {
    schema: readWith(
      (text) => (/^(0(\.\d{1,6})?|1(\.0{1,6})?|\.\d{1,6})$/.test(text) ? Number(text) : undefined),
      (text) => `must be a decimal number from 0 to 1 with at most 6 decimals, e.g. 0.2 ${got(text)}`,
    ),
    accepts: '0..1 (e.g. `0.2` for 20 %)',
  };
}

/** `true`/`false`, also `1`/`0` and `yes`/`no`, in any letter case. */
export function flag(): SettingType<boolean> {
  return {
    schema: z.stringbool({
      truthy: ['true', '1', 'yes'],
      falsy: ['false', '0', 'no'],
      case: 'insensitive',
      error: (issue) => `must be true or false ${got(String(issue.input))}`,
    }),
    accepts: '`true` or `false`',
  };
}

/** One of `choices`, in any letter case. */
export function oneOf<const T extends string>(choices: readonly T[]): SettingType<T> {
  return {
    schema: readWith(
      (text) => choices.find((choice) => choice === text.toLowerCase()),
      (text) => `must be one of ${choices.join(', ')} ${got(text)}`,
    ),
    accepts: listed(choices.map((choice) => `\`${choice}\``)),
  };
}

/** Any text. */
export function text(accepts: string): SettingType<string> {
  return { schema: z.string(), accepts };
}

/** `sqlite:<path>` or `postgres://…`; an issue never repeats the value, which may hold a password. */
export function databaseUrl(): SettingType<DatabaseConfig> {
  return {
    schema: z.string().transform((url, context) => {
      const database = parseDatabaseUrl(url);
      if ('problem' in database) {
        context.issues.push({ code: 'custom', input: '(not shown)', message: database.problem });
        return z.NEVER;
      }
      return database;
    }),
    accepts: '`sqlite:<path>` or `postgres://user:password@host:5432/db`',
  };
}

const ORIGIN = /^https?:\/\/[^/\s?#]+$/;

/** Comma-separated browser origins such as `https://dashboard.example.com`, or `*`. */
export function origins(): SettingType<readonly string[]> {
  const schema = z
    .string()
    .transform((list) =>
      list
        .split(',')
        .map((origin) => origin.trim())
        .filter((origin) => origin !== ''),
    )
    .check((context) => {
      const bad = context.value.filter((origin) => origin !== '*' && !ORIGIN.test(origin));
      if (bad.length > 0) {
        context.issues.push({
          code: 'custom',
          input: context.value,
          message:
            'must be a comma-separated list of origins such as https://dashboard.example.com, or * ' +
            got(bad.join(', ')),
        });
      }
    });
  return { schema, accepts: 'origins, comma-separated, or `*`' };
}

const ADDRESS = /^[0-9a-f.:]+(\/\d{1,3})?$/i;

/** Fastify's `trustProxy`: `true`, `false`, a number of hops, or comma-separated addresses/CIDRs. */
export function trustedProxies(): SettingType<boolean | number | readonly string[]> {
  return {
    schema: readWith(
      (text) => {
        const lower = text.toLowerCase();
        if (lower === 'true' || lower === 'false') return lower === 'true';
        if (/^\d{1,2}$/.test(text)) return Number(text);
        const addresses = text.split(',').map((address) => address.trim());
        return addresses.every((address) => ADDRESS.test(address)) ? addresses : undefined;
      },
      (text) => `must be true, false, a number of hops or a comma-separated list of addresses ${got(text)}`,
    ),
    accepts: '`true`, `false`, a number of hops, or addresses/CIDRs, comma-separated',
  };
}

/** Comma-separated non-blank items (blank items between commas are dropped). */
export function commaList(accepts: string): SettingType<readonly string[]> {
  return {
    schema: z.string().transform((list) =>
      list
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== ''),
    ),
    accepts,
  };
}

/** An absolute `https://` URL (`http://` only for a host on this machine, for local issuers and tests). */
export function httpsUrl(): SettingType<URL> {
  return {
    schema: readWith(
      (text) => {
        if (!URL.canParse(text)) return undefined;
        const url = new URL(text);
        const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
        return url.protocol === 'https:' || (url.protocol === 'http:' && local) ? url : undefined;
      },
      (text) => `must be an https:// URL (http:// only for localhost) ${got(text)}`,
    ),
    accepts: 'an `https://` URL',
  };
}

/** "a, b or c" */
function listed(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}
