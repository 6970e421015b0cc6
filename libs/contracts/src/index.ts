/**
 * Types generated from the contract in `openapi/oc-numbers.yaml`. Regenerate them with
 * `npx nx run contracts:generate`; never edit `generated/` by hand.
 */
import type { components, operations, paths } from './generated/openapi';

export type { components, operations, paths };

export type RemovalStatusSummary = components['schemas']['RemovalStatusSummary'];
export type ProblemDetails = components['schemas']['ProblemDetails'];
/**
 * The named fields of ProblemDetails, without its index signature (the extra string
 * properties), so that an object can be built against them and a renamed field fails to compile.
 */
export type ProblemDetailsFields = KnownKeys<ProblemDetails>;
export type AcquiredNumbers = components['schemas']['AcquiredNumbers'];
export type Reconciliation = components['schemas']['Reconciliation'];
export type HealthStatus = components['schemas']['HealthStatus'];
export type NumberRemovalStatus = components['schemas']['NumberRemovalStatus'];
export type TelephoneNumbersRequest = components['schemas']['TelephoneNumbersRequest'];
export type RemoveNumbersRequest = components['schemas']['RemoveNumbersRequest'];
export type NumberActionResponse = components['schemas']['NumberActionResponse'];
export type NumberActionResult = components['schemas']['NumberActionResult'];
export type NumberActionOutcome = components['schemas']['NumberActionOutcome'];
export type NumberHistoryPage = components['schemas']['NumberHistoryPage'];
export type NumberHistoryEntry = components['schemas']['NumberHistoryEntry'];
export type NumberHistoryQuery = NonNullable<operations['getNumberHistory']['parameters']['query']>;
export type RemovalStatusSummaryQuery = NonNullable<operations['getNumberRemovalStatusSummary']['parameters']['query']>;
export type NumberListItem = components['schemas']['NumberListItem'];
export type NumberListPage = components['schemas']['NumberListPage'];
export type ListNumbersQuery = NonNullable<operations['listNumbers']['parameters']['query']>;
export type TenantRemovalSummary = components['schemas']['TenantRemovalSummary'];
export type TenantRemovalSummaryPage = components['schemas']['TenantRemovalSummaryPage'];
export type ListTenantRemovalSummariesQuery = NonNullable<
  operations['listTenantRemovalSummaries']['parameters']['query']
>;

type KnownKeys<T> = { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] };
