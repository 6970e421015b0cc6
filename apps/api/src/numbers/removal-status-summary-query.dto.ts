import type { RemovalStatusSummaryQuery } from '@oc-numbers/contracts';
import { ValidateOptionalGuid } from '../common/validation';

/** The query of `GET /api/v3/oc/numbers/removal-status/summary`, held to the contract's type. */
export class RemovalStatusSummaryQueryDto implements RemovalStatusSummaryQuery {
  @ValidateOptionalGuid({
    description:
      "The customer's Microsoft Entra tenant id (a GUID, any letter case). Omitted, empty or " +
      'only white space: the summary covers all tenants (a tenant-limited caller: its own tenants).',
    problem: 'INVALID_MS_TENANT_ID',
  })
  msTenantId?: string;
}
