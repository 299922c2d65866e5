import { median } from '../dev/loadtest/percentile.js';
import { signupFixture } from '../dev/loadtest/signup-fixture.js';
import { benchTransport, mailFor } from './variants.js';

/**
 * W, the unloaded SMTP transaction time: one pooled connection, one welcome email at a time, the
 * same transport options and payload as every variant. Little's law then bounds any sender with C
 * transactions in flight at C / W.
 */
export async function transactionTimeMs({ port, samples = 50 }: { port: number; samples?: number }): Promise<number> {
  const pool = benchTransport(port, 1);
  const value = Buffer.from(signupFixture('w', 0).value);
  try {
    for (let i = 0; i < 5; i += 1) await pool.sendMail(mailFor(value));
    const times: number[] = [];
    for (let i = 0; i < samples; i += 1) {
      const t = performance.now();
      await pool.sendMail(mailFor(value));
      times.push(performance.now() - t);
    }
    return median(times) as number;
  } finally {
    pool.close();
  }
}
