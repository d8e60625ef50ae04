import { InitialSchema1764000000000 } from './1764000000000-initial-schema.js';
import { RolloutHealth1764000000001 } from './1764000000001-rollout-health.js';
import { MetricValues1764000000002 } from './1764000000002-metric-values.js';
import { PartitionLock1764000000003 } from './1764000000003-partition-lock.js';

/** Every migration, in order (classes, not globs: ESM builds have no reliable file globbing). */
export const migrations = [InitialSchema1764000000000, RolloutHealth1764000000001, MetricValues1764000000002, PartitionLock1764000000003];
