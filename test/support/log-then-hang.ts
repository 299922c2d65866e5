/**
 * Child process for test/unit/platform/logger-sigkill.test.ts: logs a burst of lines through the
 * service's logger as cmd/service.ts builds it (no destination given), says so on stderr, then blocks
 * its event loop until it is killed — as a process SIGKILLed (or OOM-killed) in the middle of its work.
 */
import { writeSync } from 'node:fs';

import { createLogger } from '../../src/platform/logger.js';

const lines = Number(process.argv[2] ?? 50);
const logger = createLogger({ level: 'info' });
for (let line = 1; line <= lines; line += 1) logger.info({ line }, 'logged before the kill');
writeSync(2, 'logged\n');
// Blocks the event loop (no callback of an asynchronous write can run) until the parent kills us.
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
