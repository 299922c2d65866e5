/**
 * npm run bench:sigkill -- [--service-root DIR] [options]   (--help)
 *
 * Duplicates after SIGKILL: one member sending about 1 000 emails/s from a large backlog is killed
 * mid-stream and restarted, several times, then drains; every Message-ID the sink receives twice is
 * a duplicate of the kill before it. Once without the Redis sent ledger, once with it. Figures,
 * never pass/fail. Brokers: KAFKA_BROKERS, or the local broker (LOCAL_KAFKA_*) started or reused.
 */
import { fileURLToPath } from 'node:url';

import { parseSigkillArgs, SIGKILL_USAGE } from './group/options.js';
import { formatSigkillReport } from './group/report.js';
import { groupBenchMain } from './group/runner.js';
import { runSigkillDuplicates } from './scenarios/sigkill-duplicates.js';

await groupBenchMain(fileURLToPath(new URL('..', import.meta.url)), {
  script: 'sigkill',
  label: 'bench:sigkill',
  usage: SIGKILL_USAGE,
  parse: parseSigkillArgs,
  run: runSigkillDuplicates,
  format: formatSigkillReport,
});
