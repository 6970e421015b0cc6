import { Module } from '@nestjs/common';
import { ReconcileController } from './reconcile.controller';
import { ReconcileRepository } from './reconcile.repository';
import { ReconcileService } from './reconcile.service';

/** Reconciliation of a tenant's numbers with the list Microsoft reports as acquired. */
@Module({
  controllers: [ReconcileController],
  providers: [ReconcileService, ReconcileRepository],
  exports: [ReconcileService],
})
export class ReconcileModule {}
