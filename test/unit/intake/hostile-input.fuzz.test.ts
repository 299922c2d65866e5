import { domainToASCII, domainToUnicode } from 'node:url';

import fc from 'fast-check';
import { type AddressObject, type ParsedMail, simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';

import { composeWelcomeEmail, composeWithNodemailer } from '../../../src/email/compose-welcome-email.js';
import { renderWelcomeEmail } from '../../../src/email/render-welcome-email.js';
import { loadWelcomeTemplates } from '../../../src/email/templates/load-welcome-templates.js';
import { parseEvent } from '../../../src/intake/parse-event.js';

const SITE = { from: 'Acme <welcome@acme.test>', domain: 'acme.test' };
const RUNS = 2000;
/** Every template the service ships: each generated event is written in one of them. */
const SHIPPED_LOCALES = loadWelcomeTemplates({ dir: '', defaultLocale: 'en', vars: {} }).locales;

/** The only header fields a welcome email may have at the top level. */
const ALLOWED_FIELDS = new Set(['from', 'to', 'subject', 'message-id', 'date', 'mime-version', 'content-type', 'auto-submitted']);

/** Pieces that have broken mail headers, address parsers or HTML somewhere before. */
const hostile = fc.constantFrom(
  '\r\n',
  '\r',
  '\n',
  '\r\nBcc: victim@evil.test',
  '\nCc: victim@evil.test',
  '\u2028',
  '\u2029',
  '\u0085',
  '\u0000',
  '\t',
  '\u202e',
  '\ufeff',
  '<script>alert(1)</script>',
  '<SCRIPT src=//evil.test>',
  '<img src=x onerror=alert(1)>',
  '"',
  "'",
  '\\"',
  ',',
  ';',
  ':',
  '<',
  '>',
  '@',
  '(',
  ')',
  '[',
  ']',
  '\\',
  'Evil <x@evil.test>, other@evil.test',
  'undisclosed-recipients:;',
  '=?utf-8?B?PHNjcmlwdD4=?=',
  '=?utf-8?Q?a=0D=0ABcc:_x@evil.test?=',
  '%0d%0aBcc:%20x@evil.test',
  '&lt;script&gt;',
  'Zoë',
  '山田太郎',
  '😀',
  'ß',
  'x'.repeat(120),
  ' ',
  // Invisible characters that reorder, hide or restyle the text around them.
  '\u202d',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u200e',
  '\u200f',
  '\u061c',
  '\u{E0041}\u{E0042}',
  '\u{E0001}',
  '\ufff9',
  '\u206e',
  // Format characters real names are written with: they must survive.
  '\u200c',
  '\u200d',
  '\ufe0f',
  '\u00ad',
  '\u200b',
  'می\u200cخواهم',
  'लक्\u200dष्मी',
  'അന്\u200dവര്\u200d',
  '\u{1F469}\u200d\u{1F4BB}',
  '\u{1F468}\u200d\u{1F469}\u200d\u{1F467}',
  '\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}',
);

/**
 * What a display name must never carry into a greeting or a header (the policy in src/intake/signup-event.ts,
 * written out again here so the test does not trust the code it checks): controls and line breaks, bidi controls,
 * tag characters, interlinear annotations, deprecated format characters, and encoded words.
 */
const DISGUISING = /[\p{Cc}\u2028\u2029\p{Bidi_Control}\u206a-\u206f\ufff9-\ufffb]|=\?/u;
const TAG_CHARACTER = /[\u{E0000}-\u{E007F}]/u;
/** An emoji subdivision flag (UTS #51): black flag, a CLDR subdivision id in tag letters, cancel tag. */
const SUBDIVISION_FLAG = /\u{1F3F4}(?:[\u{E0061}-\u{E007A}]{2}|[\u{E0030}-\u{E0039}]{3})[\u{E0030}-\u{E0039}\u{E0061}-\u{E007A}]{1,4}\u{E007F}/gu;
const disguising = (name: string) => DISGUISING.test(name) || TAG_CHARACTER.test(name.replace(SUBDIVISION_FLAG, ''));

const text = (maxLength: number) =>
  fc.oneof(
    fc.array(fc.oneof(hostile, fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 12 })), { maxLength: 16 }).map((parts) => parts.join('')),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
  );

/**
 * International addresses (RFC 6531): real local parts and IDN domains, alone or with something spliced in
 * that could inject (line breaks, controls, delimiters) or disguise (bidi controls, zero-width and full-width
 * characters that IDNA would map away or a reader would take for a delimiter).
 */
const disguise = fc.constantFrom(
  '\u202e',
  '\u2067',
  '\u200f',
  '\u200b',
  '\u200d',
  '\u00a0',
  '\u3000',
  '\u2028',
  '\u0085',
  '\r\n',
  '\u0000',
  '\u{E0041}',
  '＠',
  '﹫',
  '。',
  '，',
  '＜',
  '"',
  '(',
  ')',
  ',',
  ';',
  '<',
  '>',
  ' ',
  '@',
);
const intlLocal = fc.constantFrom('jörg', '用户', 'ада', 'zoë.müller', 'ß', 'δοκιμή', 'θ+tag', 'ada', "o'brien", 'नमस्ते');
const intlDomain = fc.constantFrom('bücher.de', 'BÜCHER.de', '例子.广告', 'xn--bcher-kva.de', 'пример.рф', 'exämple.test', 'sub.δοκιμή.gr', 'good.test');
const splice = (base: fc.Arbitrary<string>) =>
  fc.tuple(base, fc.nat(), disguise).map(([b, at, piece]) => `${b.slice(0, at % (b.length + 1))}${piece}${b.slice(at % (b.length + 1))}`);
const intlEmail = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(intlLocal, intlDomain).map(([l, d]) => `${l}@${d}`) },
  { weight: 2, arbitrary: fc.tuple(splice(intlLocal), intlDomain).map(([l, d]) => `${l}@${d}`) },
  { weight: 2, arbitrary: fc.tuple(intlLocal, splice(intlDomain)).map(([l, d]) => `${l}@${d}`) },
);
/** What an accepted address must never hold (the policy in src/pipeline/email-address.ts, written out again). */
const ADDRESS_DISGUISE = /[\p{Cc}\p{Cf}\p{Z}\p{Co}\p{Cn}"(),:;<>[\]\\＠﹫。，＜]/u;
/** The address as it goes on the wire: the domain as A-labels when the local part is ASCII, as U-labels (all UTF-8, SMTPUTF8) otherwise. */
function wireAddress(address: string): string {
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at);
  return /^\p{ASCII}*$/u.test(local) ? `${local}@${domainToASCII(address.slice(at + 1))}` : `${local}@${domainToUnicode(address.slice(at + 1))}`;
}

const email = fc.oneof(
  // RFC 5322 allows `{|}~!#$%&*/=?^` in local parts; the schema refuses most of them.
  { weight: 3, arbitrary: fc.emailAddress() },
  {
    weight: 8,
    arbitrary: fc
      .tuple(fc.stringMatching(/^[a-z0-9][a-z0-9+._'-]{0,20}[a-z0-9]$/), fc.stringMatching(/^[A-Za-z0-9]{1,10}(\.[A-Za-z0-9]{1,10}){0,2}\.[A-Za-z]{2,6}$/))
      .map(([l, d]) => `${l}@${d}`),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '"a@evil.test"@good.test',
      'user(comment)@evil.test',
      'a@b.test(@evil.test)',
      'a@good.test,b@evil.test',
      'Good <a@evil.test>',
      '<a@evil.test>',
      'a@good.test\r\nRCPT TO:<b@evil.test>',
      'a@good.test;b@evil.test',
      '@evil.test:a@good.test',
      'a@[127.0.0.1]',
      'a b@good.test',
      'a@good.test ',
      ' a@good.test',
    ),
  },
  { weight: 2, arbitrary: fc.tuple(fc.emailAddress(), hostile, fc.emailAddress()).map(([a, h, b]) => `${a}${h}${b}`) },
  { weight: 1, arbitrary: text(60) },
  { weight: 8, arbitrary: intlEmail },
);

/** An address with its domain as U-labels, lower case. */
function unicodeAddress(address: string): string {
  const at = address.lastIndexOf('@');
  return `${address.slice(0, at).toLowerCase()}@${domainToUnicode(address.slice(at + 1))}`;
}

const event = fc.record(
  {
    eventId: fc.oneof({ weight: 19, arbitrary: fc.stringMatching(/^[A-Za-z0-9._-]{1,40}$/) }, { weight: 1, arbitrary: text(40) }),
    type: fc.oneof({ weight: 19, arbitrary: fc.constant('user.signed_up') }, { weight: 1, arbitrary: fc.string() }),
    occurredAt: fc.oneof(
      {
        weight: 19,
        arbitrary: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
      },
      { weight: 1, arbitrary: fc.string() },
    ),
    user: fc.record(
      {
        id: fc.oneof({ weight: 19, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) }, { weight: 1, arbitrary: fc.integer() }),
        email,
        name: fc.oneof(
          // Hostile but free of what the schema refuses, so most of these keep their name and reach the renderer.
          { weight: 6, arbitrary: text(220).map((s) => s.replace(/[\p{Cc}\u2028\u2029\p{Bidi_Control}\u206a-\u206f\ufff9-\ufffb\u{E0000}-\u{E007F}]/gu, '')) },
          { weight: 3, arbitrary: text(220) },
          // A real name around something that could disguise or inject: the name goes, the email stays.
          {
            weight: 2,
            arbitrary: fc
              .tuple(text(40), fc.constantFrom('\r\n', '\u2028', '\u0085', '\u202e', '\u2067', '\u200f', '\u{E0041}', '=?'), text(40))
              .map((parts) => parts.join('')),
          },
          { weight: 1, arbitrary: fc.oneof(fc.constant(null), fc.integer()) },
        ),
        locale: fc.oneof(
          { weight: 8, arbitrary: fc.constantFrom(...SHIPPED_LOCALES) },
          { weight: 4, arbitrary: fc.constantFrom('en-GB', 'pt_BR', 'zh-Hant-TW', 'de-AT', 'fa-IR', 'ja-JP', 'es-419', 'fr-CA') },
          { weight: 1, arbitrary: text(12) },
        ),
        extra: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: ['id', 'email'] },
    ),
  },
  { requiredKeys: ['eventId', 'type', 'occurredAt', 'user'] },
);

const payload: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 12, arbitrary: event.map((e) => Buffer.from(JSON.stringify(e), 'utf8')) },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? '', 'utf8')) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)) },
  {
    weight: 1,
    arbitrary: fc.tuple(event, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([e, at, byte]) => {
      const bytes = Buffer.from(JSON.stringify(e), 'utf8');
      bytes[at % bytes.length] = byte;
      return bytes;
    }),
  },
);

/** nodemailer lower-cases the domain of an envelope address; the local part is kept as given. */
function envelopeAddress(address: string): string {
  const at = address.lastIndexOf('@');
  return `${address.slice(0, at)}@${address.slice(at + 1).toLowerCase()}`;
}

/** What a mail reader shows of a message. */
function readerView(m: ParsedMail) {
  const mailboxes = (a: AddressObject | AddressObject[] | undefined) =>
    (Array.isArray(a) ? a : a ? [a] : []).flatMap((x) => x.value).map((v) => ({ name: v.name, address: v.address?.toLowerCase() }));
  // nodemailer folds a long Subject at a run of spaces and the run comes back as one space (seen: a name of
  // eight spaces); the service's composer keeps it. A reader sees the same words either way.
  return { from: mailboxes(m.from), to: mailboxes(m.to), subject: m.subject?.replace(/ {2,}/g, ' '), text: m.text, html: m.html, messageId: m.messageId };
}

/** A name as a reader gets it back: UTF-8 cannot carry a lone surrogate, so it arrives as U+FFFD. */
const asUtf8 = (name: string) => Buffer.from(name, 'utf8').toString('utf8');

/** Nothing a reader would see: such a name is no name (src/email/render-welcome-email.ts). */
const INVISIBLE = /^[\p{White_Space}\p{Default_Ignorable_Code_Point}]*$/u;

/** Every physical header line is a field start or a fold: no bare CR/LF, nothing injected. */
function assertWellFormedHead(raw: string): string[] {
  const end = raw.indexOf('\r\n\r\n');
  expect(end).toBeGreaterThan(0);
  const lines = raw.slice(0, end).split('\r\n');
  expect(lines[0]).toMatch(/^[!-9;-~]+:/);
  for (const line of lines) {
    expect(line).not.toMatch(/[\r\n]/);
    expect(line.includes('\u0000')).toBe(false);
    expect(line.length).toBeLessThanOrEqual(998);
    expect(line).toMatch(/^(?:[!-9;-~]+:|[ \t])/);
  }
  return raw
    .slice(0, end)
    .split(/\r\n(?![ \t])/)
    .map((field) => field.slice(0, field.indexOf(':')).toLowerCase());
}

describe('hostile sign-up events, end to end through parse, render and compose', () => {
  it(`over ${RUNS} generated payloads › parseEvent never throws, and an accepted event yields one mail to exactly its user`, async () => {
    let accepted = 0;
    let named = 0;
    let dropped = 0;
    let idnAddresses = 0;
    let utf8Addresses = 0;
    const written = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(payload, async (value) => {
        const result = parseEvent(value);
        expect(typeof result.ok).toBe('boolean');
        if (!result.ok) {
          expect(result.error.length).toBeGreaterThan(0);
          return;
        }
        accepted += 1;
        const { event: parsed } = result;
        if (parsed.user.name?.trim()) named += 1;
        // A name that could disguise or inject is dropped, never passed on.
        if (result.nameDropped) {
          dropped += 1;
          expect(parsed.user.name).toBeUndefined();
        }
        if (parsed.user.name !== undefined) expect(disguising(parsed.user.name)).toBe(false);

        const mail = renderWelcomeEmail(parsed, SITE);
        const locale = /<html dir="(?:ltr|rtl)" lang="([^"]+)">/.exec(mail.html)?.[1] ?? 'none';
        written.set(locale, (written.get(locale) ?? 0) + 1);
        expect(mail.to.address).toBe(parsed.user.email);
        // Without its name, the email is the locale's greeting without a name ("Welcome!" in English).
        const { name: _dropped, ...nameless } = parsed.user;
        if (result.nameDropped) expect([mail.to.name, mail.subject]).toEqual(['', renderWelcomeEmail({ ...parsed, user: nameless }, SITE).subject]);
        if (result.nameDropped && locale === 'en') expect(mail.subject).toBe('Welcome!');
        expect(mail.html).not.toMatch(/<script/i);
        // The heading holds the name; right-to-left templates isolate it in <bdi>, which is theirs.
        const h1 = (/<h1>([\s\S]*)<\/h1>/.exec(mail.html)?.[1] ?? '').replace(/<\/?bdi>/g, '');
        expect(h1).not.toMatch(/[<>"']/);

        // What the service sends: src/smtp/mailer.ts composes it before a worker takes it.
        // An accepted address is one mailbox with nothing that could inject or disguise.
        expect(parsed.user.email.split('@')).toHaveLength(2);
        expect(parsed.user.email).not.toMatch(ADDRESS_DISGUISE);
        const wire = wireAddress(parsed.user.email);
        if (/\P{ASCII}/u.test(wire)) utf8Addresses += 1;
        else if (/\P{ASCII}/u.test(parsed.user.email)) idnAddresses += 1;
        const composed = await composeWelcomeEmail(mail);
        expect(composed.envelope?.to).toEqual([envelopeAddress(wire)]);

        const raw = composed.raw;
        const fields = assertWellFormedHead(raw.toString('utf8'));
        // No name reaches the head raw: it is plain ASCII, and a name is letters and digits or encoded words.
        // Only a UTF-8 local part is written raw, in To (RFC 6532); it needs a relay with SMTPUTF8.
        const head = raw.subarray(0, raw.indexOf('\r\n\r\n')).toString('utf8');
        const to =
          head
            .split(/\r\n(?![ \t])/)
            .find((field) => /^to:/i.test(field))
            ?.slice(3)
            .replace(/\r\n/g, '')
            .trim() ?? '';
        expect(
          head
            .split(/\r\n(?![ \t])/)
            .filter((field) => !/^to:/i.test(field))
            .join('\r\n'),
        ).toMatch(/^[\t\r\n -~]*$/);
        // nodemailer (a UTF-8 local part) writes a name of ASCII punctuation as atoms or a quoted string, quotes escaped.
        expect(to.replace(envelopeAddress(wire), 'address@wire')).toMatch(
          /^(?:(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?: [A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*|"(?:[ !#-[\]-~]|\\[ -~])*"|(?:=\?UTF-8\?[BQ]\?[!->@-~]*\?=)(?: =\?UTF-8\?[BQ]\?[!->@-~]*\?=)*) )?<?[!-~]+>?$/i,
        );
        expect(fields.filter((field) => field === 'to')).toHaveLength(1);
        expect(fields.filter((field) => field === 'cc' || field === 'bcc')).toEqual([]);
        expect(fields.filter((field) => !ALLOWED_FIELDS.has(field))).toEqual([]);

        const message = await simpleParser(raw);
        // mailparser may give an A-label domain back as U-labels: compare in one form.
        expect((message.to as AddressObject).value.map((mailbox) => unicodeAddress(mailbox.address ?? ''))).toEqual([unicodeAddress(wire)]);
        expect(message.cc).toBeUndefined();
        expect(message.bcc).toBeUndefined();
        expect(message.messageId).toBe(`<${parsed.eventId}@acme.test>`);
        // The name a reader sees is the name the user gave, joiners and all, or none.
        const shown = (message.to as AddressObject).value[0]?.name ?? '';
        const given = asUtf8(parsed.user.name?.trim() ?? '');
        expect(shown).toBe(INVISIBLE.test(given) ? '' : given);

        // The service's own composer and nodemailer's say the same thing to a mail reader.
        const reference = await simpleParser((await composeWithNodemailer(mail)).raw);
        expect(readerView(message)).toEqual(readerView(reference));
      }),
      { numRuns: RUNS },
    );
    // The property says nothing if almost every payload was refused: make sure many got through.
    expect(accepted).toBeGreaterThan(RUNS * 0.15);
    expect(named).toBeGreaterThan(RUNS * 0.1);
    expect(dropped).toBeGreaterThan(RUNS * 0.02);
    // International addresses got through too, both kinds.
    expect(idnAddresses).toBeGreaterThan(RUNS * 0.005);
    expect(utf8Addresses).toBeGreaterThan(RUNS * 0.005);
    // …and that each shipped template wrote a fair share of them.
    for (const locale of SHIPPED_LOCALES) expect(written.get(locale) ?? 0, locale).toBeGreaterThan(10);
    expect([...written.keys()].filter((locale) => !SHIPPED_LOCALES.includes(locale))).toEqual([]);
  }, 120_000);

  it(`over ${RUNS} generated names in an otherwise valid event › the event is never refused for its name: the name is kept verbatim, or dropped when it could disguise or inject`, () => {
    const valid = { eventId: 'evt-1', type: 'user.signed_up', occurredAt: '2024-05-01T12:30:00Z', user: { id: 'u-1', email: 'ada@example.test' } };
    let kept = 0;
    fc.assert(
      fc.property(fc.oneof(text(220), fc.string({ unit: 'grapheme', maxLength: 60 }), hostile), (name) => {
        const result = parseEvent(Buffer.from(JSON.stringify({ ...valid, user: { ...valid.user, name } }), 'utf8'));
        if (!result.ok) throw new Error(`refused for its name: ${result.error}`);
        expect(result.event.user.email).toBe('ada@example.test');
        const refuse = name.length > 200 || disguising(name);
        expect(result.event.user.name).toBe(refuse ? undefined : name);
        expect(result.nameDropped === undefined).toBe(!refuse);
        if (!refuse) kept += 1;
      }),
      { numRuns: RUNS },
    );
    expect(kept).toBeGreaterThan(RUNS * 0.2);
  });

  it('parseEvent never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        const result = parseEvent(Buffer.from(bytes));
        expect(result.ok === true || typeof result.error === 'string').toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('a refused event never echoes its email address in the reason', () => {
    fc.assert(
      fc.property(event, (e) => {
        const result = parseEvent(Buffer.from(JSON.stringify(e), 'utf8'));
        if (!result.ok && e.user.email.includes('@')) expect(result.error).not.toContain(e.user.email);
      }),
      { numRuns: RUNS },
    );
  });
});
