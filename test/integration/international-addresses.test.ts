import { describe, expect, it } from 'vitest';

import { signupEvent } from '../../dev/signup-event.js';
import { committedLag, metricValue, produceRaw, readDlq, serviceEnv, startApp, until, useAppWorld, type World } from '../support/app-harness.js';

/** An IDN domain, a UTF-8 local part, both (RFC 6531). */
const ADDRESSES = { idn: 'ada@bücher.de', local: 'jörg@example.de', both: '用户@例子.广告' } as const;

async function produceInternational(world: World): Promise<void> {
  await produceRaw(
    world,
    Object.entries(ADDRESSES).map(([id, email]) => ({
      key: `user-${id}`,
      value: JSON.stringify(signupEvent(`intl-${id}`, { user: { id: `user-${id}`, email, name: 'Jörg' } })),
    })),
  );
}

/** The To field of a raw message, unfolded. */
function toHeader(raw: Buffer): string {
  const head = raw.toString('utf8').split('\r\n\r\n')[0] ?? '';
  return /^To: (.*(?:\r\n[ \t].*)*)/im.exec(head)?.[1]?.replace(/\r\n/g, '') ?? '';
}

describe('international addresses, through a real broker and a real SMTP server', () => {
  describe('when the SMTP server offers SMTPUTF8', () => {
    const ctx = useAppWorld();

    it('all three are delivered: an IDN domain as A-labels, a UTF-8 local part as UTF-8 in the envelope and in To (RFC 6532)', async () => {
      await produceInternational(ctx.world);
      ctx.app = await startApp(serviceEnv(ctx.world, ctx.sink.port));
      await ctx.sink.waitFor(3, { timeoutMs: 30_000 });
      await until(async () => (await committedLag(ctx.world)) === 0, { what: 'committed lag 0' });
      // smtp-server gives RCPT TO back with U-labels (it decodes A-labels); the To header shows what was written.
      const rcpts = ctx.sink.received.flatMap((mail) => mail.envelope.to).sort();
      expect(rcpts).toEqual(Object.values(ADDRESSES).sort());
      const to = new Map(ctx.sink.received.map((mail) => [mail.messageId, toHeader(mail.raw as Buffer)]));
      expect(to.get('<intl-idn@acme.test>')).toContain('<ada@xn--bcher-kva.de>');
      expect(to.get('<intl-local@acme.test>')).toContain('<jörg@example.de>');
      expect(to.get('<intl-both@acme.test>')).toContain('<用户@例子.广告>');
      expect(await metricValue(ctx.app, 'email_dispatcher_dead_lettered_total')).toBe(0);
    });
  });

  describe('when the SMTP server does not offer SMTPUTF8', () => {
    const ctx = useAppWorld({ sink: { hideSmtpUtf8: true } });

    it('the IDN domain is delivered as A-labels; a UTF-8 local part is dead-lettered as smtputf8_unsupported, nothing lost', async () => {
      await produceInternational(ctx.world);
      ctx.app = await startApp(serviceEnv(ctx.world, ctx.sink.port));
      const dead = await readDlq(ctx.world, { expect: 2, timeoutMs: 30_000 });
      await until(async () => (await committedLag(ctx.world)) === 0, { what: 'committed lag 0' });
      expect(ctx.sink.received.map((mail) => mail.messageId)).toEqual(['<intl-idn@acme.test>']);
      expect(toHeader(ctx.sink.received[0]?.raw as Buffer)).toContain('<ada@xn--bcher-kva.de>');
      expect(await metricValue(ctx.app, 'email_dispatcher_dead_lettered_total', { reason: 'smtputf8_unsupported' })).toBe(2);
      expect(dead.map((record) => record.key).sort()).toEqual(['user-both', 'user-local']);
      for (const record of dead) {
        expect(record.headers['dlq.reason']).toBe('smtputf8_unsupported');
        // Reasons never carry the address.
        expect(JSON.stringify(record.headers)).not.toMatch(/jörg|用户/);
      }
    });
  });
});
