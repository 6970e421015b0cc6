import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CounterCompaction } from './counter-compaction';
import { CountsConsistency } from './counts-consistency';
import { NumbersController } from './numbers.controller';
import { NumbersRepository } from './numbers.repository';
import { NumbersService } from './numbers.service';
import { OcNumber } from './oc-number.entity';

@Module({
  imports: [TypeOrmModule.forFeature([OcNumber])],
  controllers: [NumbersController],
  providers: [NumbersService, NumbersRepository, CountsConsistency, CounterCompaction],
  exports: [CountsConsistency],
})
export class NumbersModule {}
