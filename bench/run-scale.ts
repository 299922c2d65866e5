/**
 * npm run bench:scale -- [--service-root DIR] [options]   (--help)
 *
 * Scale events under backlog: one member sending from a topped-up backlog to an SMTP sink that
 * answers after 150 ms, then the group grows and shrinks (1 → 2 → 3 → 2 → 1 by default; every
 * member a separate service process). Per event: when the newcomer got work (from its spawn, its
 * "joined consumer group" line and its readiness), the rebalance, evictions from the members' logs,
 * duplicates against the sends in flight just before. Figures, never pass/fail.
 * Brokers: KAFKA_BROKERS, or the local broker (LOCAL_KAFKA_*) started or reused.
 */
import { fileURLToPath } from 'node:url';

import { parseScaleArgs, SCALE_USAGE } from './group/options.js';
import { formatScaleReport } from './group/report.js';
import { groupBenchMain } from './group/runner.js';
import { runScaleEvents } from './scenarios/scale-events.js';

await groupBenchMain(fileURLToPath(new URL('..', import.meta.url)), {
  script: 'scale',
  label: 'bench:scale',
  usage: SCALE_USAGE,
  parse: parseScaleArgs,
  run: runScaleEvents,
  format: formatScaleReport,
});
