import { Module } from '@nestjs/common';
import { LifecycleRepository } from './lifecycle.repository';
import { LifecycleService } from './lifecycle.service';
import { NumberActionsController } from './number-actions.controller';
import { NumberHistoryController } from './number-history.controller';

/** The removal lifecycle's actions on numbers, and their status history. */
@Module({
  controllers: [NumberActionsController, NumberHistoryController],
  providers: [LifecycleService, LifecycleRepository],
})
export class LifecycleModule {}
