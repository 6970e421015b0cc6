import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { isPostgres } from '../database/dialect';
import { transactionStatementTimeout } from '../database/transaction-timeout';
import { compactRemovalCounts } from './removal-counters';

/**
 * PostgreSQL: folds the removal counters' deltas into their base rows every
 * COUNTER_COMPACTION_INTERVAL_MS, so the summary reads few rows. Quiet when it works; a failure
 * is logged once, and the run that works again says so. The timer never keeps the process alive
 * and a shutdown does not wait for it. Several instances may run it: one at a time compacts, the
 * others skip (an advisory lock), and writers never wait for any of them.
 */
@Injectable()
export class CounterCompaction implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('RemovalCounts');
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private failing?: { since: number; failures: number };

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!isPostgres(this.dataSource) || this.config.counterCompactionIntervalMs === 0) return;
    this.schedule();
  }

  onModuleDestroy(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.run(), this.config.counterCompactionIntervalMs);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    try {
      await compactRemovalCounts(this.dataSource, { statementTimeoutMs: transactionStatementTimeout(this.config) });
      if (this.failing && !this.stopped) {
        this.logger.log(
          `Compacting the removal counters works again after ${this.failing.failures} failed run(s) ` +
            `over ${Date.now() - this.failing.since} ms`,
        );
      }
      this.failing = undefined;
    } catch (error) {
      // A shutdown closes the database under a run: not a failure worth a line.
      if (!this.stopped) {
        if (this.failing) this.failing.failures++;
        else {
          this.failing = { since: Date.now(), failures: 1 };
          this.logger.warn(
            { err: error },
            `Compacting the removal counters failed: ${error instanceof Error ? error.message : String(error)}. ` +
              'The counts stay exact; it is retried quietly until it works',
          );
        }
      }
    } finally {
      this.schedule();
    }
  }
}
