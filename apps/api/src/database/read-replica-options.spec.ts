import { loadConfig } from '../config/app-config';
import { readReplicaOptions } from './database.module';

const PRIMARY = 'postgres://u:p@primary:5432/oc';
const REPLICA = 'postgres://u:p@replica:5432/oc';

describe('the read replica pool', () => {
  it('is not made without DATABASE_READ_URL', () => {
    expect(readReplicaOptions(loadConfig({ DATABASE_URL: PRIMARY }))).toBeUndefined();
  });

  it("has the primary pool's bounds and its own application_name; the measurement waits no longer than a connection", () => {
    const options = readReplicaOptions(
      loadConfig({
        DATABASE_URL: PRIMARY,
        DATABASE_READ_URL: REPLICA,
        DATABASE_CONNECT_TIMEOUT_MS: '1500',
        DATABASE_STATEMENT_TIMEOUT_MS: '4000',
        SUMMARY_READ_FROM_REPLICA: 'true',
        REPLICA_MAX_LAG_MS: '2000',
        REPLICA_LAG_CHECK_MS: '500',
      }),
    );
    expect(options).toMatchObject({
      pool: {
        connectionString: REPLICA,
        application_name: 'oc-numbers-read',
        connectionTimeoutMillis: 1500,
        statement_timeout: 4000,
        query_timeout: 5000,
        options: '-c jit=off',
        keepAlive: true,
      },
      check: {
        primary: { connectionString: PRIMARY, application_name: 'oc-numbers-replica-check', query_timeout: 1500 },
        replica: { connectionString: REPLICA, application_name: 'oc-numbers-replica-check', query_timeout: 1500 },
      },
      summaryFromReplica: true,
      maxLagMs: 2000,
      checkIntervalMs: 500,
    });
  });

  it('sends no startup parameter behind a transaction pooler, as the primary pool does not', () => {
    const options = readReplicaOptions(
      loadConfig({ DATABASE_URL: PRIMARY, DATABASE_READ_URL: REPLICA, DATABASE_POOLER: 'transaction' }),
    );
    for (const config of [options?.pool, options?.check.primary, options?.check.replica]) {
      expect(config).toBeDefined();
      expect(config).not.toHaveProperty('statement_timeout');
      expect(config).not.toHaveProperty('options');
    }
  });
});
