import { exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, SignJWT } from 'jose';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The development issuer: a made-up one, so its tokens are never mistaken for a real issuer's. */
export const DEV_ISSUER = 'http://localhost/oc-numbers-dev';
export const DEV_AUDIENCE = 'api://oc-numbers-dev';
export const DEV_CLIENT = 'oc-numbers-dev-client';
/** The folder of the key pair, under the workspace (git-ignored). */
export const DEV_KEYS_DIR = '.dev-keys';
const PRIVATE_KEY_FILE = 'private.pem';
const PUBLIC_KEY_FILE = 'public.pem';
const ALG = 'RS256';
const KID = 'oc-numbers-dev';

export const TOKEN_USAGE = `Usage: npm run token -- --init [--dir DIR]
       npm run token -- [--role ROLE]... [--tenant GUID]... [--client ID] [--expires TIME] [--dir DIR]

Mints tokens from a local development key, to try the service with AUTH_MODE=jwt on this
machine. The service accepts them only where its AUTH_PUBLIC_KEYS holds that key's public half.

  --init            write a key pair into DIR (kept if there is one) and print the settings
                    that make the service accept its tokens
  --role ROLE       an app role of the token, e.g. OcNumbers.Read or OcNumbers.ReadWrite.All;
                    repeatable
  --tenant GUID     a tenant of the token's tenant claim; repeatable
  --tenant-claim C  the claim that names the tenants (as AUTH_TENANT_CLAIM)      default tid
  --client ID       the client id (azp)                         default ${DEV_CLIENT}
  --expires TIME    how long the token is valid: 90s, 30m, 1h, 2d                default 1h
  --dir DIR         the key pair's folder                        default ${DEV_KEYS_DIR}
  --help            this text

The token alone goes to standard output:
  curl -H "Authorization: Bearer $(npm run -s token -- --role OcNumbers.Read.All)" \\
    http://localhost:3000/api/v3/oc/numbers/removal-status/summary
`;

/** A bad command line: the tool prints the message and its usage, and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type TokenCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'init'; readonly dir: string }
  | {
      readonly kind: 'mint';
      readonly dir: string;
      readonly roles: readonly string[];
      readonly tenants: readonly string[];
      readonly tenantClaim: string;
      readonly client: string;
      readonly expiresInS: number;
    };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const VALUE_OPTIONS = new Set(['role', 'tenant', 'tenant-claim', 'client', 'expires', 'dir']);
const REPEATABLE = new Set(['role', 'tenant']);
const FLAGS = new Set(['init', 'help']);

/** The command of a command line; a {@link UsageError} when it makes no sense. */
export function parseTokenArgs(argv: readonly string[]): TokenCommand {
  const values = new Map<string, string[]>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const match = /^--([a-z][a-z-]*)(?:=(.*))?$/s.exec(argv[i]);
    if (!match) throw new UsageError(`Unexpected argument "${argv[i]}"`);
    const [, name, inline] = match;
    if (FLAGS.has(name)) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      flags.add(name);
      continue;
    }
    if (!VALUE_OPTIONS.has(name)) throw new UsageError(`Unknown option --${name}`);
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--')) || value === '') {
      throw new UsageError(`--${name} needs a value`);
    }
    if (values.has(name) && !REPEATABLE.has(name)) throw new UsageError(`--${name} is given twice`);
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  if (flags.has('help')) return { kind: 'help' };
  const one = (name: string) => values.get(name)?.[0];
  const dir = resolve(one('dir') ?? DEV_KEYS_DIR);
  if (flags.has('init')) {
    const others = [...values.keys()].filter((name) => name !== 'dir');
    if (others.length > 0) throw new UsageError(`--init takes only --dir (not --${others[0]})`);
    return { kind: 'init', dir };
  }
  const tenants = values.get('tenant') ?? [];
  const bad = tenants.find((tenant) => !GUID.test(tenant));
  if (bad !== undefined) throw new UsageError(`--tenant must be a GUID (got "${bad}")`);
  return {
    kind: 'mint',
    dir,
    roles: values.get('role') ?? [],
    tenants: tenants.map((tenant) => tenant.toLowerCase()),
    tenantClaim: one('tenant-claim') ?? 'tid',
    client: one('client') ?? DEV_CLIENT,
    expiresInS: parseDuration(one('expires') ?? '1h'),
  };
}

const UNIT_S: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

function parseDuration(text: string): number {
  const match = /^(\d+)([smhd])$/.exec(text);
  const seconds = match ? Number(match[1]) * UNIT_S[match[2]] : 0;
  if (seconds < 1 || seconds > 30 * 86_400) {
    throw new UsageError(`--expires must be a time such as 90s, 30m, 1h or 2d, at most 30d (got "${text}")`);
  }
  return seconds;
}

/** The settings that make the service accept the tokens of the key pair in `dir`. */
export function devSettings(dir: string): Record<string, string> {
  return {
    AUTH_MODE: 'jwt',
    AUTH_ISSUERS: DEV_ISSUER,
    AUTH_AUDIENCE: DEV_AUDIENCE,
    AUTH_PUBLIC_KEYS: join(dir, PUBLIC_KEY_FILE),
  };
}

/** Writes a key pair into `dir` unless one is there; says whether it wrote one. */
export async function initKeys(dir: string): Promise<boolean> {
  const privatePath = join(dir, PRIVATE_KEY_FILE);
  if (existsSync(privatePath) && existsSync(join(dir, PUBLIC_KEY_FILE))) return false;
  const { publicKey, privateKey } = await generateKeyPair(ALG, { extractable: true, modulusLength: 2048 });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(privatePath, await exportPKCS8(privateKey), { mode: 0o600 });
  writeFileSync(join(dir, PUBLIC_KEY_FILE), await exportSPKI(publicKey));
  return true;
}

/** A token signed with the development key of `dir`. */
export async function mintToken(command: Extract<TokenCommand, { kind: 'mint' }>): Promise<string> {
  const privatePath = join(command.dir, PRIVATE_KEY_FILE);
  if (!existsSync(privatePath)) {
    throw new UsageError(`There is no development key in ${command.dir}: run npm run token -- --init first`);
  }
  const key = await importPKCS8(readFileSync(privatePath, 'utf8'), ALG);
  const claims: Record<string, unknown> = { azp: command.client, roles: [...command.roles] };
  if (command.tenants.length > 0) {
    claims[command.tenantClaim] = command.tenants.length === 1 ? command.tenants[0] : [...command.tenants];
  }
  return new SignJWT(claims)
    .setProtectedHeader({ alg: ALG, kid: KID, typ: 'JWT' })
    .setIssuer(DEV_ISSUER)
    .setAudience(DEV_AUDIENCE)
    .setSubject(command.client)
    .setIssuedAt()
    .setExpirationTime(`${command.expiresInS}s`)
    .sign(key);
}

export interface Output {
  write(text: string): unknown;
}

/** Runs a command line; resolves with the exit code (2: usage error). */
export async function runToken(argv: readonly string[], out: Output, err: Output): Promise<number> {
  let command: TokenCommand;
  try {
    command = parseTokenArgs(argv);
    if (command.kind === 'help') {
      out.write(TOKEN_USAGE);
      return 0;
    }
    if (command.kind === 'init') {
      const wrote = await initKeys(command.dir);
      err.write(
        wrote
          ? `Wrote a development key pair into ${command.dir}; the private key is for this machine only.\n`
          : `The development key pair in ${command.dir} is kept.\n`,
      );
      err.write('Start the service with these settings to accept its tokens:\n');
      out.write(
        Object.entries(devSettings(command.dir))
          .map(([name, value]) => `${name}=${value}\n`)
          .join(''),
      );
      return 0;
    }
    out.write(`${await mintToken(command)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err.write(`${error.message}\n\n${TOKEN_USAGE}`);
    return 2;
  }
}
