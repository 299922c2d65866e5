import fc from 'fast-check';
import { type AddressObject, simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';

import { signupEvent } from '../../../../dev/signup-event.js';
import { composeWelcomeEmail } from '../../../../src/email/compose-welcome-email.js';
import { renderWelcomeEmail } from '../../../../src/email/render-welcome-email.js';
import { loadWelcomeTemplates } from '../../../../src/email/templates/load-welcome-templates.js';

const SHIPPED = loadWelcomeTemplates({ dir: '', defaultLocale: 'en', vars: {} });
const SITE = { from: 'Acme <welcome@acme.test>', domain: 'acme.test' };
const RUNS = 60;

/** What HTML and headers have been broken with; operator values are one line (the config refuses control characters). */
const hostile = fc.oneof(
  fc.constantFrom(
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='x",
    '&amp;',
    '{{name}}',
    '}}{{',
    '=?utf-8?B?PHNjcmlwdD4=?=',
    'a@b.test, c@d.test',
    'Zoë 山田 😀',
    'خوش',
    '\u202e',
  ),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
);
const values = fc
  .record({ product_name: hostile, support_email: hostile, help_url: hostile })
  .map((v) => Object.fromEntries(Object.entries(v).map(([k, s]) => [k, s.replace(/[\p{Cc}\u2028\u2029]/gu, '')])));
/** Names as they reach the renderer: what the schema keeps (it drops controls, bidi controls, encoded words). */
const name = fc.oneof(hostile, fc.string({ unit: 'binary', maxLength: 40 })).map((s) => s.replace(/[\p{Cc}\u2028\u2029\p{Bidi_Control}]|=\?/gu, ''));

/** The HTML's markup with attribute values and text left out: what a value could add to if it were not escaped. */
const markup = (html: string) => (html.replace(/="[^"]*"/g, '=""').match(/<[^>]*>/g) ?? []).join('');

describe('every shipped template › hostile names and operator values', () => {
  it.each(SHIPPED.locales)(
    '%s › the HTML keeps its markup, the text keeps the values as written, the message has one recipient and our Message-ID',
    async (locale) => {
      const compiled = new Map<string, ReturnType<typeof loadWelcomeTemplates>>();
      const render = (vars: Record<string, string>, userName: string) => {
        const key = JSON.stringify(vars);
        const templates = compiled.get(key) ?? loadWelcomeTemplates({ dir: '', defaultLocale: 'en', vars });
        compiled.set(key, templates);
        return renderWelcomeEmail(signupEvent('evt-1', { user: { id: 'u', email: 'ada@example.test', name: userName, locale } }), { ...SITE, templates });
      };
      await fc.assert(
        fc.asyncProperty(values, name, async (vars, userName) => {
          const mail = render(vars, userName);
          // The same email with harmless words where the values and the name are (and none where they are empty).
          const benign = render(Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, v === '' ? '' : 'x'])), mail.to.name === '' ? '' : 'Ada');
          expect(markup(mail.html)).toBe(markup(benign.html));
          for (const value of Object.values(vars)) if (value.trim() !== '') expect(mail.text).toContain(value);

          const { raw, envelope } = await composeWelcomeEmail(mail);
          expect(envelope.to).toEqual(['ada@example.test']);
          const parsed = await simpleParser(raw);
          expect((parsed.to as AddressObject).value.map((m) => m.address)).toEqual(['ada@example.test']);
          expect(parsed.cc).toBeUndefined();
          expect(parsed.bcc).toBeUndefined();
          expect(parsed.messageId).toBe('<evt-1@acme.test>');
          expect(parsed.subject).toBe(mail.subject);
          expect(parsed.text?.trimEnd()).toBe(mail.text);
        }),
        { numRuns: RUNS },
      );
    },
    60_000,
  );
});
