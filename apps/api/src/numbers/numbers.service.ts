import { Inject, Injectable } from '@nestjs/common';
import type { RemovalStatusSummary } from '@oc-numbers/contracts';
import { ALL_TENANTS as EVERY_TENANT, type TenantScope } from '../auth/caller';
import { requireTenant, scopedTenants } from '../auth/tenant-access';
import { Deadline, DeadlineExceededError } from '../common/deadline';
import { KeyBatch } from '../common/key-batch';
import { SingleFlight } from '../common/single-flight';
import { TurnBatch } from '../common/turn-batch';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { databaseUnavailable, serviceUnavailable } from '../problem/problem';
import { CountsConsistency } from './counts-consistency';
import { NumbersRepository, type RemovalCounts } from './numbers.repository';
import { CountsInconsistentError } from './removal-counters';

/** The single-flight key of the summary over all tenants (a tenant's key is its lower-case id). */
const ALL_TENANTS = '';

/**
 * How much longer than the statement timeout a request waits for the database: the statement
 * that runs for it is cancelled by the database first, and a request waiting for a query shared
 * with others gives up at its own deadline.
 */
export const DEADLINE_MARGIN_MS = 1000;

@Injectable()
export class NumbersService {
  /**
   * Identical summary requests that arrive together share one query; a request only ever shares
   * a query that started after it arrived, so it sees every change committed before it.
   */
  private readonly counts: SingleFlight<string, RemovalCounts>;
  /**
   * SQLite's reads answer synchronously, so none would ever be running when the next request
   * comes: the requests of one turn of the event loop share one read per key instead, run after
   * they all arrived.
   */
  private readonly turn?: TurnBatch<string, RemovalCounts>;
  /**
   * PostgreSQL: the one-tenant summaries asked for together (in one turn of the event loop, or
   * while the last such read ran) are read in one query, one round trip for many requests.
   */
  private readonly tenants?: KeyBatch<string, RemovalCounts | CountsInconsistentError>;
  private readonly deadlineMs: number;

  constructor(
    private readonly repository: NumbersRepository,
    @Inject(APP_CONFIG) config: AppConfig,
    metrics: MetricsService,
    private readonly consistency: CountsConsistency = new CountsConsistency(metrics),
  ) {
    this.deadlineMs = config.databaseStatementTimeoutMs + DEADLINE_MARGIN_MS;
    const onShared = () => metrics.summaryCoalesced.inc();
    this.counts = new SingleFlight({ onShared });
    if (!repository.readsWait) this.turn = new TurnBatch({ onShared });
    else this.tenants = new KeyBatch((tenants) => repository.countInRemovalEach(tenants), { onShared });
  }

  /**
   * The removal status summary for one tenant, or for all numbers when `msTenantId` is
   * undefined. Tenant ids are stored lower-case, so the id is compared lower-case.
   *
   * `scope` limits it: a tenant outside it is refused (403 TENANT_FORBIDDEN, whether it has
   * numbers or not), and without a tenant a limited caller gets the sums over its own tenants
   * (one query over their counter rows), never the all-tenant totals.
   *
   * The request waits for the database (a pool connection, a query shared with others, its own
   * query) until one deadline, the statement timeout and a margin from now; past it, the answer
   * is a 503 while a shared query may still finish for the others. Counters that cannot be
   * counts are a 503 COUNTS_INCONSISTENT problem that names neither them nor the tenant.
   */
  async getRemovalStatusSummary(msTenantId?: string, scope: TenantScope = EVERY_TENANT): Promise<RemovalStatusSummary> {
    if (msTenantId !== undefined) requireTenant(scope, msTenantId);
    const scoped = msTenantId === undefined ? scopedTenants(scope) : undefined;
    // A caller limited to one tenant asks, without a tenant, what a tenant's summary answers.
    const tenant = msTenantId?.toLowerCase() ?? (scoped?.length === 1 ? scoped[0] : undefined);
    const tenants = scoped?.length === 1 ? undefined : scoped;
    let counts: RemovalCounts;
    try {
      counts = await this.read(tenant, tenants);
    } catch (error) {
      if (error instanceof DeadlineExceededError) throw databaseUnavailable(error);
      if (!(error instanceof CountsInconsistentError)) throw error;
      this.consistency.failed(error);
      throw serviceUnavailable('COUNTS_INCONSISTENT', error);
    }
    this.consistency.succeeded(tenants === undefined ? tenant : tenants.join(','));
    return {
      markedForRemovalCount: counts.markedForRemoval,
      readyForRemovalCount: counts.readyForRemoval,
      totalCount: counts.markedForRemoval + counts.readyForRemoval,
    };
  }

  /**
   * The counts of one tenant, of a list of tenants or (neither) of all numbers, in a read shared
   * with other requests: on SQLite with those of the same turn of the event loop; on PostgreSQL
   * one tenant's with those of the other tenants asked together, the others with identical
   * requests, within this request's deadline.
   */
  private async read(tenant?: string, tenants?: readonly string[]): Promise<RemovalCounts> {
    if (this.tenants && tenants === undefined && tenant !== undefined) {
      const counts = await this.tenants.run(tenant, Deadline.after(this.deadlineMs));
      if (counts instanceof CountsInconsistentError) throw counts;
      return counts;
    }
    const key = tenants === undefined ? (tenant ?? ALL_TENANTS) : `scope:${tenants.join(',')}`;
    const read =
      tenants === undefined
        ? () => this.repository.countInRemoval(tenant)
        : () => this.repository.countInRemovalOf(tenants);
    // SQLite answers synchronously: no wait, so no timer to bound it.
    if (this.turn) return this.turn.run(key, read);
    return this.counts.run(key, read, Deadline.after(this.deadlineMs));
  }
}
