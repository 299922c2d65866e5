import { describe, expect, it } from 'vitest';

import { copiesBeyondTwo } from '../../../test/chaos/copies-beyond-two.js';
import type { AppliedFault } from '../../../test/chaos/fault-runner.js';

const fault = (kind: AppliedFault['kind'], atMs: number, endMs: number): AppliedFault => ({
  kind,
  plannedAtMs: atMs,
  atMs,
  endMs,
  detail: '',
  outcome: 'applied',
  note: undefined,
});

describe('copiesBeyondTwo', () => {
  const applied = [fault('kill-leader', 40_000, 80_000), fault('rolling-restart', 80_000, 150_000), fault('smtp-outage', 160_000, 170_000)];

  it('when every copy after the first came during Kafka node faults › names the third copy with them', () => {
    const r = copiesBeyondTwo(
      [
        [30_000, 'a'],
        [60_000, 'a'],
        [91_000, 'a'],
        [10_000, 'b'],
        [12_000, 'b'],
      ],
      applied,
      10_000,
    );
    expect(r.named).toEqual([{ eventId: 'a', copies: 3, faults: ['kill-leader', 'rolling-restart'] }]);
    expect(r.unexplained).toEqual([]);
  });

  it('when a later copy came with no Kafka node fault running › it is unexplained (a re-send loop)', () => {
    const r = copiesBeyondTwo(
      [
        [30_000, 'a'],
        [60_000, 'a'],
        [165_000, 'a'],
      ],
      applied,
      10_000,
    );
    expect(r.unexplained).toEqual([{ eventId: 'a', copies: 3 }]);
  });

  it('when an event went out four times › it is unexplained even inside a fault', () => {
    const r = copiesBeyondTwo(
      [
        [41_000, 'a'],
        [50_000, 'a'],
        [60_000, 'a'],
        [70_000, 'a'],
      ],
      applied,
      10_000,
    );
    expect(r.unexplained).toEqual([{ eventId: 'a', copies: 4 }]);
    expect(r.named).toEqual([]);
  });

  it('within the grace after a node fault ended › still named; past it › unexplained', () => {
    expect(
      copiesBeyondTwo(
        [
          [1_000, 'a'],
          [45_000, 'a'],
          [159_000, 'a'],
        ],
        applied,
        10_000,
      ).named,
    ).toHaveLength(1);
    expect(
      copiesBeyondTwo(
        [
          [1_000, 'a'],
          [45_000, 'a'],
          [161_000, 'a'],
        ],
        applied,
        10_000,
      ).unexplained,
    ).toHaveLength(1);
  });
});
