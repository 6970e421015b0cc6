import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/** The metrics themselves, which the other modules count into. */
@Module({
  providers: [MetricsService],
  exports: [MetricsService],
})
export class MetricsModule {}

/** `/metrics`: left out when METRICS_ACCESS=off, so that a request to it is answered like any unknown path. */
@Module({
  imports: [MetricsModule],
  controllers: [MetricsController],
})
export class MetricsEndpointModule {}
