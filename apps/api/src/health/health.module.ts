import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { NumbersModule } from '../numbers/numbers.module';
import { HealthController } from './health.controller';
import { ReadinessService } from './readiness.service';

@Module({
  // The error filter logs a failed probe with its errorTicket; Terminus need not log it again.
  imports: [TerminusModule.forRoot({ logger: false }), NumbersModule],
  controllers: [HealthController],
  providers: [ReadinessService],
})
export class HealthModule {}
