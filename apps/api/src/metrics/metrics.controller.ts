import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HEADER } from '../common/http-headers';
import { ApiProblemResponses } from '../problem/problem-details.dto';
import { MetricsService } from './metrics.service';

@ApiTags('Operations')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  /** The Prometheus text exposition format. */
  @Get()
  @ApiOperation({ operationId: 'getMetrics', summary: 'Prometheus metrics' })
  @ApiOkResponse({ description: 'The current metrics.', content: { 'text/plain': { schema: { type: 'string' } } } })
  @ApiProblemResponses({
    401: 'No bearer token, or one that is not accepted (with the access setting at token).',
    403: 'The token has no read role (with the access setting at token).',
    429: 'The client is over its rate limit.',
  })
  @Header(HEADER.contentType, 'text/plain; version=0.0.4; charset=utf-8')
  read(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
