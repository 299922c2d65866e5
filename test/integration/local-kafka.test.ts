import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { describe, expect, inject, it } from 'vitest';

import { ensureKafka, kafkaStatus, LocalKafkaError } from '../../dev/local-kafka.js';

const localDir = inject('localKafkaDir');
const brokers = inject('kafkaBrokers');

function listenOnFreePort(): Promise<net.Server> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

describe('local kafka', () => {
  describe.runIf(localDir !== null)('when the test broker is already running', () => {
    const port = Number(brokers[0]?.split(':')[1]);

    it('reuses it and leaves it running on stop()', async () => {
      const kafka = await ensureKafka({ dir: localDir ?? undefined, port });
      expect(kafka.startedHere).toBe(false);
      expect(kafka.brokers).toEqual(brokers);
      await kafka.stop();
      expect((await kafkaStatus({ dir: localDir ?? undefined })).state).toBe('running');
    });

    it('refuses another port for the same data dir', async () => {
      await expect(ensureKafka({ dir: localDir ?? undefined, port: port + 1000 })).rejects.toMatchObject({ code: 'OTHER_PORT' });
    });
  });

  describe('when the port is taken by another process', () => {
    it('fails with PORT_TAKEN naming the variable', async () => {
      const blocker = await listenOnFreePort();
      const dir = await mkdtemp(path.join(os.tmpdir(), 'local-kafka-'));
      try {
        const address = blocker.address() as net.AddressInfo;
        const error = await ensureKafka({ dir, port: address.port, controllerPort: 1 }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(LocalKafkaError);
        expect(error).toMatchObject({ code: 'PORT_TAKEN', message: expect.stringContaining('LOCAL_KAFKA_PORT') });
      } finally {
        blocker.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('when no broker runs from a dir', () => {
    it('reports it stopped', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'local-kafka-'));
      try {
        expect(await kafkaStatus({ dir })).toMatchObject({ state: 'stopped', dir });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
