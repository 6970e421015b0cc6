import type { NumberRemovalStatus } from '@oc-numbers/contracts';

/** The removal lifecycle's statuses, by the names the contract gives them. */
export const RemovalStatus = {
  Active: 0,
  ReleaseRequested: 1,
  MarkedForRemoval: 2,
  ReadyForRemoval: 3,
} as const satisfies Record<string, NumberRemovalStatus>;

export type RemovalStatus = (typeof RemovalStatus)[keyof typeof RemovalStatus];
