import { describe, expect, it } from 'vitest';

import { signupEvent } from '../../../dev/signup-event.js';
import { startSmtpSink } from '../../../dev/smtp-sink.js';
import { composeWelcomeEmail } from '../../../src/email/compose-welcome-email.js';
import { renderWelcomeEmail } from '../../../src/email/render-welcome-email.js';
import { createSmtpMailer } from '../../../src/smtp/mailer.js';
import { useCleanup } from '../../support/cleanup.js';

const cleanup = useCleanup();

describe('SMTP mailer reply', () => {
  it("resolves a send with the server's reply to the message (what a delivery receipt reports)", async () => {
    const sink = await startSmtpSink();
    cleanup.push(() => sink.stop());
    const mailer = createSmtpMailer({
      host: sink.host,
      port: sink.port,
      secure: false,
      requireTls: false,
      tlsRejectUnauthorized: true,
      user: '',
      pass: '',
      timeoutMs: 5_000,
      sendTimeoutMs: 10_000,
      connections: 1,
    });
    cleanup.push(() => mailer.close());
    const mail = renderWelcomeEmail(signupEvent('reply-1'), { from: 'Acme <welcome@acme.test>', domain: 'acme.test' });
    const reply = await mailer.send(await composeWelcomeEmail(mail));
    expect(reply?.reply).toMatch(/^250\b/);
  });
});
