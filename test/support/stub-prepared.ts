import type { PreparedMail } from '../../src/email/compose-welcome-email.js';
import type { WelcomeEmail } from '../../src/email/render-welcome-email.js';

/**
 * What a fake mailer's `prepare` gives: the shape every real one does (bytes and envelope), without
 * composing, for fakes that never read the bytes (tests that do use `composeWelcomeEmail`).
 */
export function stubPrepared(mail: WelcomeEmail, raw: Buffer = Buffer.alloc(0)): PreparedMail {
  return { mail, raw, envelope: { from: 'welcome@acme.test', to: [mail.to.address] } };
}
