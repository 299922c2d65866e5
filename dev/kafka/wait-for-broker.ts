import { setTimeout as sleep } from 'node:timers/promises';

import { Kafka, logLevel } from 'kafkajs';

import { canConnect } from './port.js';

export interface WaitForBrokerOptions {
  port: number;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Polled between attempts; returning a reason stops the wait (e.g. the JVM exited). */
  gone: () => Promise<string | undefined>;
}

export type WaitForBrokerResult = { ready: true } | { ready: false; reason: string };

/**
 * Polls until the broker accepts connections and answers a Metadata request. The TCP check alone is not
 * enough in KRaft: the listener is bound a moment before the broker is unfenced and can serve clients.
 */
export async function waitForBroker({ port, timeoutMs, signal, gone }: WaitForBrokerOptions): Promise<WaitForBrokerResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const reason = await gone();
    if (reason !== undefined) return { ready: false, reason };
    if ((await canConnect(port)) && (await answersMetadata(port))) return { ready: true };
    if (Date.now() >= deadline) return { ready: false, reason: `did not come up within ${Math.round(timeoutMs / 1000)} s` };
    await sleep(250, undefined, { signal });
  }
}

async function answersMetadata(port: number): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'local-kafka-probe',
    brokers: [`127.0.0.1:${port}`],
    connectionTimeout: 1_000,
    requestTimeout: 2_000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
