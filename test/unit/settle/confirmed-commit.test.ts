import type { Consumer } from 'kafkajs';
import { describe, expect, it } from 'vitest';

import { createConfirmedCommit } from '../../../src/settle/confirmed-commit.js';
import { fakeConsumer } from '../../support/fake-consumer.js';

/** A KafkaJS consumer whose commitOffsets answers like KafkaJS: the event only when the broker answered. */
function consumerThat(answer: 'broker' | 'runner-stopped' | 'only-partition-1') {
  const kafka = fakeConsumer();
  const commitOffsets: Consumer['commitOffsets'] = async (offsets) => {
    if (answer === 'runner-stopped') return; // runner.commitOffsets: "consumer not running, exiting"
    const confirmed = answer === 'only-partition-1' ? offsets.filter((o) => o.partition === 1) : offsets;
    kafka.commitOffsets([{ topic: 't', partitions: confirmed.map(({ partition, offset }) => ({ partition, offset })) }]);
  };
  return { ...kafka.consumer, commitOffsets };
}

const offsets = [
  { topic: 't', partition: 0, offset: 10n },
  { topic: 't', partition: 1, offset: 7n },
];

describe('confirmed commit', () => {
  it('when the broker answered › confirms every offset it committed', async () => {
    expect(await createConfirmedCommit(consumerThat('broker'))(offsets)).toEqual(offsets);
  });

  it('when KafkaJS resolved without sending (its runner is stopping) › confirms nothing', async () => {
    expect(await createConfirmedCommit(consumerThat('runner-stopped'))(offsets)).toEqual([]);
  });

  it('hands KafkaJS the offsets as the strings it takes', async () => {
    const consumer = consumerThat('broker');
    const sent: unknown[] = [];
    await createConfirmedCommit({ ...consumer, commitOffsets: async (o) => (sent.push(...o), consumer.commitOffsets(o)) })(offsets);
    expect(sent).toEqual([
      { topic: 't', partition: 0, offset: '10' },
      { topic: 't', partition: 1, offset: '7' },
    ]);
  });

  it('when the broker confirmed only some partitions › confirms only those', async () => {
    expect(await createConfirmedCommit(consumerThat('only-partition-1'))(offsets)).toEqual([offsets[1]]);
  });
});
