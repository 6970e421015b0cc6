import { Injectable, Logger } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service';
import type { CountsInconsistentError } from './removal-counters';

/** The most scopes (tenants, or all numbers) remembered as inconsistent; beyond, episodes merge. */
const MAX_SCOPES = 1000;

/**
 * Impossible counters, told once per episode: the first read of a scope (a tenant, or all
 * numbers) that finds its counters impossible logs the error; later reads of it are counted,
 * not logged, until a read of it finds the counts right again (after `npm run counts --
 * --repair`), which ends the episode with one line. Every such read counts in the metric
 * `oc_numbers_counts_inconsistent_total`.
 */
@Injectable()
export class CountsConsistency {
  private readonly logger = new Logger('RemovalCounts');
  /** Scopes in an episode now, with the reads refused since it began. */
  private readonly episodes = new Map<string, { since: number; reads: number }>();

  constructor(private readonly metrics: MetricsService) {}

  /** A read found the counters of `error`'s scope impossible. */
  failed(error: CountsInconsistentError): void {
    this.metrics.countsInconsistent.inc();
    const scope = error.msTenantId ?? '';
    const episode = this.episodes.get(scope);
    if (episode) {
      episode.reads++;
      return;
    }
    if (this.episodes.size < MAX_SCOPES) this.episodes.set(scope, { since: Date.now(), reads: 1 });
    this.logger.error({ err: error }, `${error.message}. The summary answers 503 COUNTS_INCONSISTENT until then`);
  }

  /** A read of `msTenantId`'s scope (undefined: all numbers) found its counts possible. */
  succeeded(msTenantId: string | undefined): void {
    if (this.episodes.size === 0) return;
    const scope = msTenantId ?? '';
    const episode = this.episodes.get(scope);
    if (!episode) return;
    this.episodes.delete(scope);
    this.logger.log(
      `The removal counts of ${msTenantId === undefined ? 'all numbers' : `tenant ${msTenantId}`} are possible ` +
        `again after ${Date.now() - episode.since} ms; ${episode.reads} read(s) were refused meanwhile`,
    );
  }
}
