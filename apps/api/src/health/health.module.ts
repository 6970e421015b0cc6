import { Module } from '@nestjs/common';
import { NumbersModule } from '../numbers/numbers.module';
import { HealthController } from './health.controller';
import { ReadinessService } from './readiness.service';

@Module({
  imports: [NumbersModule],
  controllers: [HealthController],
  providers: [ReadinessService],
})
export class HealthModule {}
