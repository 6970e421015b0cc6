import { CreateOcNumbers1764201600000 } from './1764201600000-create-oc-numbers';
import { RemovalCounts1764288000000 } from './1764288000000-removal-counts';
import { RemovalCountDeltas1764374400000 } from './1764374400000-removal-count-deltas';
import { Reconciliations1764460800000 } from './1764460800000-reconciliations';
import { StatusHistory1764547200000 } from './1764547200000-status-history';
import { StatusCounts1764633600000 } from './1764633600000-status-counts';

/** Every migration, oldest first. The same list serves SQLite and PostgreSQL. */
export const MIGRATIONS = [
  CreateOcNumbers1764201600000,
  RemovalCounts1764288000000,
  RemovalCountDeltas1764374400000,
  Reconciliations1764460800000,
  StatusHistory1764547200000,
  StatusCounts1764633600000,
];
