import { Buffer } from 'node:buffer';

import { describe, expect, it } from 'vitest';

import { signupEvent } from '../../../dev/signup-event.js';
import { loadTemplateCatalog } from '../../../src/email/templates/load-template-catalog.js';
import { buildDispatcher, record, scriptedMailer } from '../../support/pipeline.js';

/** The shipped templates' routes: sign-ups → welcome, verification requests → verify-email. */
const { routes } = loadTemplateCatalog({ dir: '', defaultLocale: 'en', vars: {} });
const value = (eventId: string, type: string, data?: Record<string, unknown>) =>
  Buffer.from(JSON.stringify(signupEvent(eventId, { type, ...(data ? { data } : {}) })));
const settled = async (outcomes: unknown[], n: number) => {
  for (let i = 0; i < 200 && outcomes.length < n; i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('Dispatcher with several event types', () => {
  it('each type gets its own template set: a sign-up the welcome email, a verification request the link', async () => {
    const sent: Array<{ template: string | undefined; text: string; subject: string }> = [];
    const mailer = scriptedMailer((mail) => void sent.push({ template: mail.template, text: mail.text, subject: mail.subject }));
    const { submit, outcomes } = buildDispatcher({ mailer });
    submit(record(value('e-up', 'user.signed_up'), { routes }));
    submit(record(value('e-verify', 'user.email_verification_requested', { verificationUrl: 'https://acme.test/verify?t=abc' }), { routes }));
    await settled(outcomes, 2);
    expect(outcomes.map((o) => [o.record.template, o.outcome.kind])).toEqual([
      ['welcome', 'sent'],
      ['verify-email', 'sent'],
    ]);
    expect(sent.map((m) => [m.template, m.subject])).toEqual([
      ['welcome', 'Welcome, User e-up!'],
      ['verify-email', 'Confirm your email address'],
    ]);
    expect(sent[1]?.text).toContain('\nhttps://acme.test/verify?t=abc\n');
  });

  it('EMAIL_UNMAPPED_EVENT_TYPES=skip › an unrelated type is settled as skipped, nothing sent', async () => {
    const mailer = scriptedMailer();
    const { submit, outcomes, capacity } = buildDispatcher({ mailer, unmappedEventTypes: 'skip' });
    submit(record(value('e-other', 'user.deleted'), { routes }));
    await settled(outcomes, 1);
    expect(outcomes.map((o) => o.outcome)).toEqual([{ kind: 'skipped', reason: 'unmapped_event_type', eventType: 'user.deleted' }]);
    expect(outcomes[0]?.record.eventId).toBe('e-other');
    expect(mailer.attempts).toEqual([]);
    expect(capacity.held).toBe(0);
  });

  it('EMAIL_UNMAPPED_EVENT_TYPES=dlq (the default) › an unrelated type is dead-lettered as invalid_event, as before', async () => {
    const { submit, outcomes } = buildDispatcher({ mailer: scriptedMailer() });
    submit(record(value('e-other', 'user.deleted'), { routes }));
    await settled(outcomes, 1);
    expect(outcomes.map((o) => o.outcome)).toEqual([
      {
        kind: 'dead-letter',
        reason: 'invalid_event',
        error: expect.stringContaining('type: no template set for "user.deleted"'),
        smtpCode: undefined,
        attempts: 0,
      },
    ]);
  });

  it('skip › a mapped event that lacks its field is still dead-lettered (invalid_event, naming the field): only unmapped types are skipped', async () => {
    const { submit, outcomes } = buildDispatcher({ mailer: scriptedMailer(), unmappedEventTypes: 'skip' });
    submit(record(value('e-nolink', 'user.email_verification_requested'), { routes }));
    await settled(outcomes, 1);
    expect(outcomes.map((o) => [o.record.template, o.outcome])).toEqual([
      [
        'verify-email',
        {
          kind: 'dead-letter',
          reason: 'invalid_event',
          error: 'schema violation: data.verificationUrl: missing (the verify-email template set needs it)',
          smtpCode: undefined,
          attempts: 0,
        },
      ],
    ]);
  });
});
