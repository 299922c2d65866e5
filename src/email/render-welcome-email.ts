import { WELCOME_SET } from '../pipeline/event-routes.js';
import type { SignupEvent } from '../pipeline/signup-event.js';
import { envelopeSender } from './envelope-sender.js';
import { loadTemplateCatalog, type TemplateCatalog } from './templates/load-template-catalog.js';
import type { WelcomeTemplates } from './templates/load-welcome-templates.js';
import type { TemplateSet } from './templates/template-set.js';

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
  /** The template set it was rendered from. @default 'welcome' */
  readonly template?: string;
  /** The set's headers from the manifest (Feedback-ID, List-Unsubscribe…): printable ASCII, one line each. */
  readonly headers?: ReadonlyArray<readonly [string, string]>;
}

/** Who sends, and in whose words. */
export interface WelcomeSite {
  readonly from: string;
  /** The domain of `from`, for Message-IDs. */
  readonly domain: string;
  /** The compiled welcome set (tools that send only welcome emails). @default the shipped welcome set */
  readonly templates?: WelcomeTemplates;
  /** Every set of EMAIL_TEMPLATES_DIR (the service). @default the shipped sets */
  readonly catalog?: TemplateCatalog;
  /** EMAIL_ENVELOPE_FROM: the bounce address, `{eventId}` at most once in its local part. @default EMAIL_FROM's address */
  readonly envelopeFrom?: string | undefined;
}

/**
 * Nothing a reader would see: white space and default-ignorable characters (ZWJ, ZWNJ, zero-width
 * space, variation selectors…). The schema keeps those because real names are written with them;
 * a name made only of them would greet nobody ("Welcome, !").
 */
const INVISIBLE = /^[\p{White_Space}\p{Default_Ignorable_Code_Point}]*$/u;

let shipped: TemplateCatalog | undefined;

/** The shipped templates with their defaults, compiled on first use (tools and tests; the service passes its own). */
function shippedCatalog(): TemplateCatalog {
  shipped ??= loadTemplateCatalog({ dir: '', defaultLocale: 'en', vars: {} });
  return shipped;
}

/** The named set: the site's catalog, else its welcome set, else the shipped one. */
export function templateSetOf(site: WelcomeSite, name: string): TemplateSet {
  if (site.catalog) return site.catalog.set(name);
  if (site.templates?.name === name) return site.templates;
  return shippedCatalog().set(name);
}

/** The welcome email for a sign-up (see {@link renderEmail}). */
export function renderWelcomeEmail(event: SignupEvent, site: WelcomeSite): WelcomeEmail {
  return renderEmail(event, templateSetOf(site, WELCOME_SET), site);
}

/**
 * The email of an event from its template set, in the locale the set negotiates from `user.locale`.
 * Header safety does not rest on the templates: the composer writes the subject and the name as
 * encoded words unless they are plain, the Message-ID and recipient come from here, never a
 * template, and the set's headers were checked at start (their event values percent-encoded).
 */
export function renderEmail(event: SignupEvent, set: TemplateSet, { from, domain, envelopeFrom }: WelcomeSite): WelcomeEmail {
  const trimmed = event.user.name?.trim() ?? '';
  const name = INVISIBLE.test(trimmed) ? '' : trimmed;
  const { subject, text, html } = set.render({ name, email: event.user.email, locale: event.user.locale, data: event.data });
  const headers = set.headers?.(event);
  return {
    from,
    to: { name, address: event.user.email },
    subject,
    text,
    html,
    messageId: `<${event.eventId}@${domain}>`,
    template: set.name,
    ...(headers ? { headers } : {}),
    ...(envelopeFrom ? { envelopeFrom: envelopeSender(envelopeFrom, event.eventId) } : {}),
  };
}
