import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MetricsModule } from '../metrics/metrics.module';
import { CounterCompaction } from './counter-compaction';
import { CountsConsistency } from './counts-consistency';
import { NumbersController } from './numbers.controller';
import { NumbersRepository } from './numbers.repository';
import { NumbersService } from './numbers.service';
import { OcNumber } from './oc-number.entity';

@Module({
  imports: [TypeOrmModule.forFeature([OcNumber]), MetricsModule],
  controllers: [NumbersController],
  providers: [NumbersService, NumbersRepository, CountsConsistency, CounterCompaction],
  // The readiness probe runs the summary's queries through the same repository.
  exports: [NumbersRepository],
})
export class NumbersModule {}
