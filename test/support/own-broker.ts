import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll } from 'vitest';

import { ensureKafka, type LocalKafka } from '../../dev/local-kafka.js';

/** A broker a test file may stop and start: never the one the other files share. */
export interface OwnBroker {
  /** `['127.0.0.1:<port>']`. */
  readonly brokers: string[];
  /** Controlled shutdown; the data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same data and port. */
  start(): Promise<void>;
}

/**
 * Starts a single-node broker of the project's own for this file (a random port from `portBase`, a
 * /tmp data dir) before its tests, and stops and deletes it after them.
 */
export function useOwnBroker(name: string, portBase: number): OwnBroker {
  const port = portBase + Math.floor(Math.random() * 3_000);
  const dir = mkdtempSync(path.join(tmpdir(), `${name}-`));
  const options = { port, controllerPort: port + 1, dir, heap: '512m' };
  let kafka: LocalKafka | undefined;

  beforeAll(async () => {
    kafka = await ensureKafka({ ...options, fresh: true });
  }, 120_000);

  afterAll(async () => {
    await kafka?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  return {
    brokers: [`127.0.0.1:${port}`],
    async stop() {
      await kafka?.stop();
    },
    async start() {
      kafka = await ensureKafka(options);
    },
  };
}
