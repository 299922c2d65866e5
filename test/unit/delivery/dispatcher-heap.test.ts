import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

const probe = fileURLToPath(new URL('../../support/dispatcher-heap-probe.ts', import.meta.url));
const EVENTS = 40_000;

/**
 * A settle or a token must not leave anything behind on the dispatcher's long-lived signals: an
 * `AbortSignal.any([closing, abandon])` per event kept ≈ 95 bytes per event on Node 20.20 here
 * (nodejs/node#55351, #64476 on later lines), hours of traffic in the Deployment's 320 Mi. The
 * probe runs in its own process (`--expose-gc`) on the Node that runs the tests, so CI checks Node 20
 * and Node 24 both. `npm run bench:soak` is the hours-long form.
 */
describe('Dispatcher heap over many events', () => {
  it(`after ${EVENTS.toLocaleString('en')} events settled or revoked through the real dispatcher › the heap keeps under 16 bytes per event`, async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', probe, String(EVENTS)], { timeout: 90_000 });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { node: string; retainedBytesPerEvent: number };
    console.info(`dispatcher heap: ${result.retainedBytesPerEvent.toFixed(1)} bytes retained per event on Node ${result.node}`);
    expect(result.retainedBytesPerEvent).toBeLessThan(16);
  }, 120_000);
});
