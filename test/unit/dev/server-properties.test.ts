import { describe, expect, it } from 'vitest';

import { serverProperties } from '../../../dev/kafka/server-properties.js';

const parse = (text: string): Map<string, string> =>
  new Map(
    text
      .split('\n')
      .filter((l) => l.includes('=') && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

describe('serverProperties', () => {
  it('a single node › its own controller, internal topics with one replica', () => {
    const p = parse(serverProperties({ port: 9092, controllerPort: 9093, dataDir: '/d', partitions: 6 }));
    expect(p.get('node.id')).toBe('1');
    expect(p.get('controller.quorum.voters')).toBe('1@127.0.0.1:9093');
    expect(p.get('offsets.topic.replication.factor')).toBe('1');
    expect(p.has('min.insync.replicas')).toBe(false);
  });

  it('a cluster node › its id, the whole quorum, replication 3 and min.insync.replicas 2 for every topic', () => {
    const voters = '1@127.0.0.1:29093,2@127.0.0.1:29095,3@127.0.0.1:29097';
    const p = parse(
      serverProperties({
        port: 29094,
        controllerPort: 29095,
        dataDir: '/d',
        partitions: 1,
        cluster: { nodeId: 2, voters, replicationFactor: 3, minInsyncReplicas: 2 },
      }),
    );
    expect(p.get('node.id')).toBe('2');
    expect(p.get('controller.quorum.voters')).toBe(voters);
    expect(p.get('listeners')).toBe('PLAINTEXT://127.0.0.1:29094,CONTROLLER://127.0.0.1:29095');
    for (const key of ['default.replication.factor', 'offsets.topic.replication.factor', 'transaction.state.log.replication.factor'])
      expect(p.get(key)).toBe('3');
    for (const key of ['min.insync.replicas', 'transaction.state.log.min.isr']) expect(p.get(key)).toBe('2');
  });
});
