import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { operations, Reconciliation } from '@oc-numbers/contracts';
import { IsIn, IsOptional, IsString, IsUUID } from 'class-validator';
import { GUID_EXAMPLE } from '../common/validation';

type ReconcileOperation = operations['reconcileTenantNumbers'];

/** The path of `POST /api/v3/oc/tenants/{msTenantId}/numbers/reconcile`, held to the contract's type. */
export class ReconcilePathDto implements Pick<ReconcileOperation['parameters']['path'], 'msTenantId'> {
  @ApiProperty({
    type: String,
    format: 'uuid',
    description: "The customer's Microsoft Entra tenant id (a GUID, any letter case).",
    example: GUID_EXAMPLE,
  })
  // 'loose' is exactly 8-4-4-4-12 hexadecimal, as for the summary's msTenantId.
  @IsUUID('loose', {
    message: `must be a GUID in the 8-4-4-4-12 hexadecimal form, for example ${GUID_EXAMPLE}.`,
    context: { problem: 'INVALID_MS_TENANT_ID' },
  })
  msTenantId!: string;
}

const FLAG = ['true', 'false'] as const;
type Flag = (typeof FLAG)[number];

/** A `true`/`false` query flag, given at most once. */
function flagRules(description: string): PropertyDecorator[] {
  const context = { problem: 'INVALID_PARAMETER' };
  return [
    ApiPropertyOptional({ type: String, enum: FLAG, description }),
    IsOptional(),
    IsString({ message: '$property must be given at most once.', context }),
    IsIn(FLAG, { message: '$property must be true or false.', context }),
  ];
}

function Flag(description: string): PropertyDecorator {
  return (target, key) => flagRules(description).forEach((decorate) => decorate(target, key));
}

/** The query of the reconciliation, held to the contract's type. */
export class ReconcileQueryDto implements NonNullable<ReconcileOperation['parameters']['query']> {
  @Flag('`true`: answer what would change, and change nothing.')
  dryRun?: Flag;

  @Flag('`true`: reconcile even a list that the mass-removal guard would refuse.')
  confirmMassRemoval?: Flag;
}

/** The answer, for the decorators' description of the operation (the type is the contract's). */
export class ReconciliationDto implements Reconciliation {
  @ApiPropertyOptional({ type: String, format: 'uuid' })
  reconciliationId?: string;
  @ApiProperty({ type: String, format: 'uuid' })
  msTenantId!: string;
  @ApiProperty({ type: Boolean })
  dryRun!: boolean;
  @ApiProperty({ type: String, enum: ['passed', 'confirmed', 'wouldRefuse'] })
  massRemovalGuard!: Reconciliation['massRemovalGuard'];
  @ApiProperty({ type: Number })
  maxRemovalShare!: number;
  @ApiProperty({ type: 'integer', format: 'int64' })
  acquiredCount!: number;
  @ApiProperty({ type: 'integer', format: 'int64' })
  activeCount!: number;
  @ApiProperty({ type: 'integer', format: 'int64' })
  markedCount!: number;
  @ApiProperty({ type: 'integer', format: 'int64' })
  restoredCount!: number;
  @ApiProperty({ type: 'integer', format: 'int64' })
  unchangedCount!: number;
  @ApiProperty({ type: 'integer', format: 'int64' })
  unknownCount!: number;
  @ApiProperty({ type: 'integer', format: 'int32' })
  durationMs!: number;
  @ApiProperty({ type: 'integer', format: 'int32' })
  samplesLimit!: number;
  @ApiProperty({ type: [String] })
  marked!: string[];
  @ApiProperty({ type: [String] })
  restored!: string[];
  @ApiProperty({ type: [String] })
  unchanged!: string[];
  @ApiProperty({ type: [String] })
  unknown!: string[];
}
