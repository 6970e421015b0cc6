import { TEST_DATABASE_KINDS, type TestIssuer } from '@oc-numbers/testing';
import { type AppConfig, loadConfig } from '../src/config/app-config';

/** The settings of a service that accepts the tokens of `issuers` (keys as PEM), with `env` over them. */
export function jwtConfig(issuers: readonly TestIssuer[], env: Record<string, string> = {}): Partial<AppConfig> {
  return authConfig(issuers, { AUTH_PUBLIC_KEYS: issuers.map((i) => i.publicPem).join('\n'), ...env });
}

/** The settings of a service that accepts the tokens of `issuers` with the keys of a JWK set URL only. */
export function jwksConfig(issuers: readonly TestIssuer[], url: string, env: Record<string, string> = {}) {
  return authConfig(issuers, { AUTH_JWKS_URL: url, ...env });
}

function authConfig(issuers: readonly TestIssuer[], env: Record<string, string>): Partial<AppConfig> {
  const config = loadConfig({
    AUTH_MODE: 'jwt',
    AUTH_ISSUERS: [...new Set(issuers.map((i) => i.issuer))].join(','),
    AUTH_AUDIENCE: [...new Set(issuers.map((i) => i.audience))].join(','),
    ...env,
  });
  return { auth: config.auth, metricsAccess: config.metricsAccess, docsAccess: config.docsAccess };
}

/** The database kinds every storage test runs on. */
export const KINDS = TEST_DATABASE_KINDS;

/** The `WWW-Authenticate` challenges of the service. */
export const CHALLENGE = {
  none: 'Bearer realm="oc-numbers"',
  invalid: (description: string) =>
    `Bearer realm="oc-numbers", error="invalid_token", error_description="${description}"`,
  insufficient: 'Bearer realm="oc-numbers", error="insufficient_scope"',
} as const;
