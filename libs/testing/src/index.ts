// The test toolkit: what the tests and the workspace tools share. Test-only: the service and
// the client never import it (Nx tags and ESLint's module boundaries keep it so).
export * from './contract';
export * from './database-url';
export * from './databases';
export * from './eventually';
export * from './jwks-server';
export * from './log-capture';
export * from './numbers-table';
export * from './openapi-refs.mjs';
export * from './owned-postgres';
export * from './pgbouncer';
export * from './ports';
export * from './problem';
export * from './replica';
export * from './server-process';
export * from './summary';
export * from './tokens';
export * from './workspace';
export { default as Sqlite } from './sqlite';
