import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { signupEvent } from '../../dev/signup-event.js';
import type { Receipt } from '../../src/settle/publish/receipt-message.js';
import { committedLag, metricValue, produceRaw, readDlq, serviceEnv, startApp, until, useAppWorld } from '../support/app-harness.js';
import { consumeAll, createTopic } from '../support/kafka.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The shipped templates with the operator's headers on the verify-email set: an EMAIL_TEMPLATES_DIR. */
function templatesWithHeaders(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'event-types-'));
  dirs.push(dir);
  cpSync(path.join(ROOT, 'templates'), dir, { recursive: true });
  const manifest = {
    templateSets: {
      welcome: { eventTypes: ['user.signed_up'] },
      'verify-email': {
        eventTypes: ['user.email_verification_requested'],
        fields: { verificationUrl: 'url' },
        headers: {
          'Feedback-ID': 'verify:acme',
          'List-Unsubscribe': '<https://acme.test/unsubscribe?user={user.id}>',
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        },
      },
    },
  };
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

const N = 30;
const ids = (prefix: string) => Array.from({ length: N }, (_, i) => `${prefix}-${i}`);
const link = (id: string) => `https://acme.test/verify?token=${id}&a=1`;

/** One topic, interleaved: sign-ups, verification requests, and events of a type this service does not send. */
function mixedTopic() {
  const signups = ids('up');
  const verifications = ids('ver');
  const others = ids('del');
  const messages = signups.flatMap((id, i) => {
    const verify = verifications[i] as string;
    const other = others[i] as string;
    return [
      { key: `user-${i}`, value: JSON.stringify(signupEvent(id)) },
      { key: `user-${i}`, value: JSON.stringify(signupEvent(verify, { type: 'user.email_verification_requested', data: { verificationUrl: link(verify) } })) },
      // Not even a user: an unrelated event need not look like ours.
      { key: `user-${i}`, value: JSON.stringify({ eventId: other, type: 'user.deleted', occurredAt: new Date().toISOString(), subject: `user-${i}` }) },
    ];
  });
  return { signups, verifications, others, messages };
}

const ctx = useAppWorld();

describe('one topic, several event types, on a real broker and SMTP server', () => {
  it('EMAIL_UNMAPPED_EVENT_TYPES=skip › each type gets its own email, the unrelated ones are skipped with a receipt, nothing lost, lag 0', async () => {
    const receipts = await createTopic(ctx.world.brokers, `${ctx.world.topic}.receipts`, 2);
    const { signups, verifications, others, messages } = mixedTopic();
    const noLink = signupEvent('ver-nolink', { type: 'user.email_verification_requested' });
    await produceRaw(ctx.world, [...messages, { key: 'user-x', value: JSON.stringify(noLink) }]);
    ctx.app = await startApp(
      serviceEnv(ctx.world, ctx.sink.port, { EMAIL_TEMPLATES_DIR: templatesWithHeaders(), EMAIL_UNMAPPED_EVENT_TYPES: 'skip', KAFKA_RECEIPTS_TOPIC: receipts }),
    );
    await ctx.sink.waitFor(2 * N, { timeoutMs: 60_000 });
    await until(async () => (await committedLag(ctx.world)) === 0, { what: 'committed lag 0', timeoutMs: 60_000 });

    const mailOf = (id: string) => ctx.sink.received.find((m) => m.messageId === `<${id}@acme.test>`);
    for (const id of signups) {
      expect(mailOf(id)?.subject).toBe(`Welcome, User ${id}!`);
      expect(mailOf(id)?.headers['list-unsubscribe']).toBeUndefined();
    }
    for (const id of verifications) {
      const mail = mailOf(id);
      expect(mail?.subject).toBe('Confirm your email address');
      expect(mail?.text?.split('\n')).toContain(link(id));
      expect(mail?.headers['list-unsubscribe']).toBe(`<https://acme.test/unsubscribe?user=user-${id}>`);
      expect(mail?.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
      expect(mail?.headers['feedback-id']).toBe('verify:acme');
    }
    expect(ctx.sink.count).toBe(2 * N);
    expect(ctx.sink.duplicates).toBe(0);

    expect(await metricValue(ctx.app, 'email_dispatcher_emails_sent_total', { template: 'welcome' })).toBe(N);
    expect(await metricValue(ctx.app, 'email_dispatcher_emails_sent_total', { template: 'verify-email' })).toBe(N);
    expect(await metricValue(ctx.app, 'email_dispatcher_events_skipped_total', { type: 'user.deleted' })).toBe(N);
    expect(await metricValue(ctx.app, 'email_dispatcher_emails_rendered_total', { template: 'verify-email', locale: 'en' })).toBe(N);

    // The verification request without its link is the only dead letter: invalid_event, naming the field and the set.
    const dlq = await readDlq(ctx.world, { expect: 1 });
    expect(dlq.map((r) => [r.headers['dlq.reason'], r.headers['dlq.template'], r.headers['dlq.error']])).toEqual([
      ['invalid_event', 'verify-email', 'schema violation: data.verificationUrl: missing (the verify-email template set needs it)'],
    ]);

    // Nothing lost: one receipt per event, each saying what happened to it.
    const total = messages.length + 1;
    const read = await consumeAll(ctx.world.brokers, receipts, { expected: total });
    const byId = new Map(read.map((m) => [m.key, JSON.parse(m.value ?? '{}') as Receipt]));
    expect(read).toHaveLength(total);
    for (const id of signups) expect(byId.get(id)).toMatchObject({ outcome: 'sent', template: 'welcome' });
    for (const id of verifications) expect(byId.get(id)).toMatchObject({ outcome: 'sent', template: 'verify-email' });
    for (const id of others) expect(byId.get(id)).toMatchObject({ outcome: 'skipped', skipReason: 'unmapped_event_type', template: null, eventId: id });
    expect(byId.get('ver-nolink')).toMatchObject({ outcome: 'dead_lettered', dlqReason: 'invalid_event', template: 'verify-email' });
  }, 120_000);

  it('EMAIL_UNMAPPED_EVENT_TYPES unset (dlq) › the unrelated ones are dead-lettered as invalid_event, as before; the rest sent; lag 0', async () => {
    const { signups, verifications, others, messages } = mixedTopic();
    await produceRaw(ctx.world, messages);
    ctx.app = await startApp(serviceEnv(ctx.world, ctx.sink.port));
    await ctx.sink.waitFor(2 * N, { timeoutMs: 60_000 });
    await until(async () => (await committedLag(ctx.world)) === 0, { what: 'committed lag 0', timeoutMs: 60_000 });

    const dlq = await readDlq(ctx.world, { expect: N });
    expect(dlq.map((r) => JSON.parse(r.value?.toString() ?? '{}').eventId).sort()).toEqual([...others].sort());
    for (const record of dlq) {
      expect(record.headers['dlq.reason']).toBe('invalid_event');
      expect(record.headers['dlq.error']).toBe('type: no template set for "user.deleted" (served: user.signed_up, user.email_verification_requested)');
      expect(record.headers).not.toHaveProperty('dlq.template');
    }
    const sentIds = new Set(ctx.sink.received.map((m) => m.messageId));
    for (const id of [...signups, ...verifications]) expect(sentIds.has(`<${id}@acme.test>`)).toBe(true);
    expect(ctx.sink.count).toBe(2 * N);
    expect(await metricValue(ctx.app, 'email_dispatcher_events_skipped_total')).toBe(0);
    expect(await metricValue(ctx.app, 'email_dispatcher_dead_lettered_total', { reason: 'invalid_event' })).toBe(N);
  }, 120_000);
});
