import escapeHtml from 'escape-html';
import type { SignupEvent } from '../intake/signup-event.js';

/** What the mailer sends: only fields the service controls, plus the user's name and address. */
export interface WelcomeEmail {
  readonly from: string;
  /** Structured so nodemailer encodes the name; never a concatenated "Name <addr>" string. */
  readonly to: { readonly name: string; readonly address: string };
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** `<eventId@from-domain>`: a redelivered event keeps its message identity. */
  readonly messageId: string;
}

export function renderWelcomeEmail(event: SignupEvent, { from, domain }: { from: string; domain: string }): WelcomeEmail {
  const name = event.user.name?.trim() ?? '';
  const greeting = name ? `Welcome, ${name}!` : 'Welcome!';
  const text = [
    `${greeting}`,
    '',
    'Thanks for signing up. Your account is ready.',
    '',
    'If you did not create this account, you can ignore this email.',
  ].join('\n');
  const html = [
    '<!doctype html>',
    `<html lang="${escapeHtml(event.user.locale ?? 'en')}"><body>`,
    `<h1>${escapeHtml(greeting)}</h1>`,
    '<p>Thanks for signing up. Your account is ready.</p>',
    '<p>If you did not create this account, you can ignore this email.</p>',
    '</body></html>',
  ].join('\n');
  return {
    from,
    to: { name, address: event.user.email },
    subject: greeting,
    text,
    html,
    messageId: `<${event.eventId}@${domain}>`,
  };
}
