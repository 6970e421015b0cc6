import { Inject, Injectable } from '@nestjs/common';
import type { Reconciliation } from '@oc-numbers/contracts';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { APP_CONFIG, type AppConfig, type ReconcileConfig } from '../config/app-config';
import { withChangeContext } from '../numbers/change-context';
import { ProblemException } from '../problem/problem';
import { problem } from '../problem/problem-catalogue';
import { type ReconcileCounts, ReconcileRepository } from './reconcile.repository';

/** How many numbers of each kind an answer lists (the first, in number order). */
export const RECONCILE_SAMPLES = 100;

/** What a caller asks of one reconciliation. */
export interface ReconcileRequest {
  /** The tenant, any letter case. */
  readonly msTenantId: string;
  /** The complete list Microsoft reports as acquired: distinct E.164 numbers (checked by the caller). */
  readonly numbers: readonly string[];
  readonly dryRun: boolean;
  readonly confirmMassRemoval: boolean;
  /** Who asks, for the reconciliation's row and the status history (see callerOf). */
  readonly caller: string | null;
}

/** Thrown inside the transaction to refuse a mass removal: it rolls everything back. */
class MassRemovalRefused extends Error {}

/**
 * Reconciles a tenant's numbers with the list Microsoft reports as acquired: the one place that
 * does it, for the HTTP operation and the command line's direct mode alike.
 */
@Injectable()
export class ReconcileService {
  private readonly settings: ReconcileConfig;

  constructor(
    private readonly repository: ReconcileRepository,
    @Inject(APP_CONFIG) config: Pick<AppConfig, 'reconcile'>,
  ) {
    this.settings = config.reconcile;
  }

  /**
   * Counts what the list changes, refuses a mass removal that is not confirmed (a 409 problem,
   * nothing changed), and unless it is a dry run marks the Active numbers missing from the list
   * and restores the MarkedForRemoval numbers in it, with the reconciliation's row, in one
   * transaction. A dry run answers the same counts and samples and changes nothing.
   */
  async reconcile(request: ReconcileRequest): Promise<Reconciliation> {
    const started = performance.now();
    const startedAt = new Date();
    const msTenantId = request.msTenantId.toLowerCase();
    const { maxRemovalShare, statementTimeoutMs } = this.settings;
    const reconciliationId = request.dryRun ? undefined : randomUUID();
    try {
      return await this.repository.inTransaction(msTenantId, request.numbers, statementTimeoutMs, async (staged) => {
        let counts = await staged.counts();
        const refused = massRemovalRefusal(counts, maxRemovalShare);
        if (refused !== undefined && !request.confirmMassRemoval && !request.dryRun) {
          throw new MassRemovalRefused(refused);
        }
        const samples = await staged.samples(RECONCILE_SAMPLES);
        if (reconciliationId !== undefined) {
          await staged.record({
            id: reconciliationId,
            msTenantId,
            startedAt,
            counts,
            massRemovalConfirmed: refused !== undefined,
            caller: request.caller,
          });
          await withChangeContext(
            staged.manager,
            { operation: 'reconcile', caller: request.caller, reconciliationId },
            async () => {
              const marked = await staged.mark();
              const restored = await staged.restore();
              if (marked !== counts.marked || restored !== counts.restored) {
                // Another writer changed the tenant's numbers between the count and the change.
                const known = counts.unchanged + counts.restored;
                counts = { ...counts, marked, restored, unchanged: known - restored };
              }
              await staged.finish(reconciliationId, counts);
            },
          );
        }
        return {
          ...(reconciliationId !== undefined && { reconciliationId }),
          msTenantId,
          dryRun: request.dryRun,
          massRemovalGuard: refused === undefined ? 'passed' : request.confirmMassRemoval ? 'confirmed' : 'wouldRefuse',
          maxRemovalShare,
          acquiredCount: counts.acquired,
          activeCount: counts.active,
          markedCount: counts.marked,
          restoredCount: counts.restored,
          unchangedCount: counts.unchanged,
          unknownCount: counts.unknown,
          durationMs: Math.round(performance.now() - started),
          samplesLimit: RECONCILE_SAMPLES,
          ...samples,
        } satisfies Reconciliation;
      });
    } catch (error) {
      if (error instanceof MassRemovalRefused) {
        throw new ProblemException(problem('MASS_REMOVAL_GUARD', { reason: error.message }));
      }
      throw error;
    }
  }
}

/**
 * Why the guard refuses these counts without confirmation, or undefined when it does not: an
 * empty list, or more numbers marked than `maxShare` of the tenant's Active numbers (exactly the
 * share is allowed). The share is compared in millionths, as whole numbers, so that 0.2 of 10
 * is exactly 2.
 */
export function massRemovalRefusal(counts: Pick<ReconcileCounts, 'acquired' | 'active' | 'marked'>, maxShare: number) {
  const { acquired, active, marked } = counts;
  if (acquired === 0) {
    return `The list is empty: it would mark ${marked} of the tenant's ${active} Active numbers for removal`;
  }
  if (marked * 1_000_000 > Math.round(maxShare * 1_000_000) * active) {
    return (
      `The list would mark ${marked} of the tenant's ${active} Active numbers for removal, ` +
      `more than the ${percent(maxShare)} allowed at once`
    );
  }
  return undefined;
}

function percent(share: number): string {
  return `${Number((share * 100).toFixed(4))}%`;
}
