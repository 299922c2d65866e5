import fc from 'fast-check';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';

import { signupEvent } from '../../../../dev/signup-event.js';
import { composeWelcomeEmail } from '../../../../src/email/compose-welcome-email.js';
import { renderEmail } from '../../../../src/email/render-welcome-email.js';
import { loadTemplateCatalog } from '../../../../src/email/templates/load-template-catalog.js';
import { fieldProblem } from '../../../../src/pipeline/event-routes.js';

const SET = loadTemplateCatalog({ dir: '', defaultLocale: 'en', vars: {} }).set('verify-email');
const SITE = { from: 'Acme <welcome@acme.test>', domain: 'acme.test' };

/** Links a producer might send that the field check lets through: every printable character it allows after the scheme. */
const link = fc
  .tuple(
    fc.constantFrom('https://acme.test/', 'http://a.test/v?', 'https://acme.test/v#'),
    fc.string({ unit: fc.constantFrom(..."!#$%&'()*+,-./:;=?@[]^_{|}~aZ09".split('')), maxLength: 60 }),
  )
  .map(([scheme, rest]) => scheme + rest)
  .filter((value) => fieldProblem('url', value) === undefined);
const name = fc
  .oneof(
    fc.constantFrom('<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "' onmouseover='x", '{{name}}', 'Zoë 山田'),
    fc.string({ maxLength: 30 }),
  )
  .map((s) => s.replace(/[\p{Cc}\u2028\u2029\p{Bidi_Control}]|=\?/gu, ''));
/** The HTML's markup with attribute values and text left out: what a value could add to if it were not escaped. */
const markup = (html: string) => (html.replace(/="[^"]*"/g, '=""').match(/<[^>]*>/g) ?? []).join('');

describe('the shipped verify-email templates › hostile names and any link the field check lets through', () => {
  it.each(SET.locales)(
    '%s › the HTML keeps its markup, the text has the link as sent, one recipient',
    async (locale) => {
      const render = (verificationUrl: string, userName: string) =>
        renderEmail(
          signupEvent('evt-1', {
            type: 'user.email_verification_requested',
            user: { id: 'u', email: 'ada@example.test', name: userName, locale },
            data: { verificationUrl },
          }),
          SET,
          SITE,
        );
      await fc.assert(
        fc.asyncProperty(link, name, async (url, userName) => {
          const mail = render(url, userName);
          expect(markup(mail.html)).toBe(markup(render('https://acme.test/', mail.to.name === '' ? '' : 'Ada').html));
          expect(mail.text.split('\n')).toContain(url);
          const parsed = await simpleParser((await composeWelcomeEmail(mail)).raw);
          expect(parsed.text?.trimEnd()).toBe(mail.text);
          expect(parsed.cc).toBeUndefined();
          expect(parsed.bcc).toBeUndefined();
        }),
        { numRuns: 40 },
      );
    },
    60_000,
  );
});
