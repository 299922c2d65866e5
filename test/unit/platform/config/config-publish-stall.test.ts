import { describe, expect, it } from 'vitest';

import { loadConfig } from '../../../../src/platform/config/config.js';
import { problemsFor, REQUIRED } from './fixtures.js';

describe('publish stall bounds against LIVENESS_STALL_MS', () => {
  it('RECEIPT_PUBLISH_STALL_MS › defaults to 60 s, like DLQ_PUBLISH_STALL_MS', () => {
    expect(loadConfig({ ...REQUIRED }).kafka).toMatchObject({ receiptPublishStallMs: 60_000, dlqPublishStallMs: 60_000 });
  });

  it('a stall bound past half of LIVENESS_STALL_MS › one line naming it: /livez would restart a pod still waiting to call it a stall', () => {
    expect(problemsFor({ LIVENESS_STALL_MS: '100000', DLQ_PUBLISH_STALL_MS: '60000' })).toEqual([
      'DLQ_PUBLISH_STALL_MS: must be at most half of LIVENESS_STALL_MS (50000), got 60000',
    ]);
    expect(
      problemsFor({ LIVENESS_STALL_MS: '100000', DLQ_PUBLISH_STALL_MS: '50000', KAFKA_RECEIPTS_TOPIC: 'receipts', RECEIPT_PUBLISH_STALL_MS: '50001' }),
    ).toEqual(['RECEIPT_PUBLISH_STALL_MS: must be at most half of LIVENESS_STALL_MS (50000), got 50001']);
  });

  it('receipts off › RECEIPT_PUBLISH_STALL_MS is not checked', () => {
    expect(() => loadConfig({ ...REQUIRED, LIVENESS_STALL_MS: '100000', DLQ_PUBLISH_STALL_MS: '50000', RECEIPT_PUBLISH_STALL_MS: '90000' })).not.toThrow();
  });
});
