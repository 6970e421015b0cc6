import { Module } from '@nestjs/common';
import { NumberListController } from './number-list.controller';
import { NumberListRepository } from './number-list.repository';
import { NumberListService } from './number-list.service';

/** The list of numbers (pages, cursor walk, CSV export) and the per-tenant view. */
@Module({
  controllers: [NumberListController],
  providers: [NumberListService, NumberListRepository],
})
export class NumberListModule {}
