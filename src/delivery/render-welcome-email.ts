import type { SignupEvent } from '../pipeline/signup-event.js';
import { envelopeSender } from './envelope-sender.js';
import { loadWelcomeTemplates, type WelcomeTemplates } from './templates/load-welcome-templates.js';

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
  /** MAIL FROM when it is not EMAIL_FROM's address (EMAIL_ENVELOPE_FROM, its tag filled in). */
  readonly envelopeFrom?: string;
}

/** Who sends, and in whose words. */
export interface WelcomeSite {
  readonly from: string;
  /** The domain of `from`, for Message-IDs. */
  readonly domain: string;
  /** The compiled templates (EMAIL_TEMPLATES_DIR). @default the templates the service ships, in English unless the locale matches */
  readonly templates?: WelcomeTemplates;
  /** EMAIL_ENVELOPE_FROM: the bounce address, `{eventId}` at most once in its local part. @default EMAIL_FROM's address */
  readonly envelopeFrom?: string | undefined;
}

/**
 * Nothing a reader would see: white space and default-ignorable characters (ZWJ, ZWNJ, zero-width
 * space, variation selectors…). The schema keeps those because real names are written with them;
 * a name made only of them would greet nobody ("Welcome, !").
 */
const INVISIBLE = /^[\p{White_Space}\p{Default_Ignorable_Code_Point}]*$/u;

let shipped: WelcomeTemplates | undefined;

/** The shipped templates with their defaults, compiled on first use (tools and tests; the service passes its own). */
function shippedTemplates(): WelcomeTemplates {
  shipped ??= loadWelcomeTemplates({ dir: '', defaultLocale: 'en', vars: {} });
  return shipped;
}

/**
 * The welcome email for an event, in the locale its templates negotiate from `user.locale`. Header
 * safety does not rest on the templates: the composer writes the subject and the name as encoded
 * words unless they are plain, and the Message-ID and recipient come from here, never a template.
 */
export function renderWelcomeEmail(event: SignupEvent, { from, domain, templates = shippedTemplates(), envelopeFrom }: WelcomeSite): WelcomeEmail {
  const trimmed = event.user.name?.trim() ?? '';
  const name = INVISIBLE.test(trimmed) ? '' : trimmed;
  const { subject, text, html } = templates.render({ name, email: event.user.email, locale: event.user.locale });
  return {
    from,
    to: { name, address: event.user.email },
    subject,
    text,
    html,
    messageId: `<${event.eventId}@${domain}>`,
    ...(envelopeFrom ? { envelopeFrom: envelopeSender(envelopeFrom, event.eventId) } : {}),
  };
}
