import escapeHtml from 'escape-html';
import type { SignupEvent } from '../pipeline/signup-event.js';

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

/**
 * Nothing a reader would see: white space and default-ignorable characters (ZWJ, ZWNJ, zero-width
 * space, variation selectors…). The schema keeps those because real names are written with them;
 * a name made only of them would greet nobody ("Welcome, !").
 */
const INVISIBLE = /^[\p{White_Space}\p{Default_Ignorable_Code_Point}]*$/u;

export function renderWelcomeEmail(event: SignupEvent, { from, domain }: { from: string; domain: string }): WelcomeEmail {
  const trimmed = event.user.name?.trim() ?? '';
  const name = INVISIBLE.test(trimmed) ? '' : trimmed;
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
