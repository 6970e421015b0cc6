/**
 * Types generated from the contract in `openapi/oc-numbers.yaml`. Regenerate them with
 * `npx nx run contracts:generate`; never edit `generated/` by hand.
 */
import type { components, operations, paths } from './generated/openapi';

export type { components, operations, paths };

export type RemovalStatusSummary = components['schemas']['RemovalStatusSummary'];
export type ProblemDetails = components['schemas']['ProblemDetails'];
export type NumberRemovalStatus = components['schemas']['NumberRemovalStatus'];
export type RemovalStatusSummaryQuery = NonNullable<operations['getNumberRemovalStatusSummary']['parameters']['query']>;
