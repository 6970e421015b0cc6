import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { HealthStatus } from '@oc-numbers/contracts';

const indicators = (description: string) =>
  ApiProperty({
    type: 'object',
    description,
    additionalProperties: {
      type: 'object',
      required: ['status'],
      properties: { status: { type: 'string', enum: ['up', 'down'] }, responseTime: { type: 'integer' } },
    },
  });

type ReplicaStatus = NonNullable<HealthStatus['replica']>;

/** The read replica's state in the readiness answer. */
export class ReplicaStatusDto implements ReplicaStatus {
  @ApiProperty({ type: String, enum: ['ok', 'lagging', 'unavailable'] })
  state!: ReplicaStatus['state'];

  @ApiPropertyOptional({ type: 'integer', format: 'int64', minimum: 0 })
  lagMs?: number;
}

/** A health check's body, as the decorators describe it (held to the contract by the contract suite). */
export class HealthStatusDto implements HealthStatus {
  @ApiProperty({ type: String, enum: ['ok'] })
  status!: 'ok';

  @indicators('The dependencies that are up.')
  info!: HealthStatus['info'];

  @indicators('The dependencies that are down.')
  error!: HealthStatus['error'];

  @indicators('Every checked dependency.')
  details!: HealthStatus['details'];

  @ApiPropertyOptional({
    type: () => ReplicaStatusDto,
    description: 'Readiness, with a read replica: its state and replay lag at the last measurement.',
  })
  replica?: HealthStatus['replica'];
}
