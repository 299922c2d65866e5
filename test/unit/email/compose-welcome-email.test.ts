import fc from 'fast-check';
import { type AddressObject, simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';

import { signupEvent } from '../../../dev/signup-event.js';
import { composeWelcomeEmail, composeWithNodemailer } from '../../../src/email/compose-welcome-email.js';
import { renderWelcomeEmail, type WelcomeEmail } from '../../../src/email/render-welcome-email.js';
import { parseEvent } from '../../../src/intake/parse-event.js';

const mail = (over: Partial<WelcomeEmail> & { name?: string; address?: string } = {}): WelcomeEmail => ({
  from: over.from ?? 'Acme <welcome@acme.test>',
  to: { name: over.name ?? 'Ada Lovelace', address: over.address ?? 'ada@example.test' },
  subject: over.subject ?? 'Welcome, Ada Lovelace!',
  text: over.text ?? 'Welcome, Ada Lovelace!\n\nThanks for signing up.',
  html: over.html ?? '<!doctype html>\n<html lang="en"><body><h1>Welcome, Ada Lovelace!</h1></body></html>',
  messageId: over.messageId ?? '<evt-1@acme.test>',
});

const ALLOWED_FIELDS = new Set(['from', 'to', 'subject', 'message-id', 'date', 'mime-version', 'content-type', 'auto-submitted']);

/** Header field names, after checking every physical line is a field start or a fold of at most 78 characters. */
function headerFieldNames(raw: Buffer): string[] {
  const text = raw.toString('utf8');
  const lines = text.slice(0, text.indexOf('\r\n\r\n')).split('\r\n');
  for (const line of lines) {
    expect(line).toMatch(/^(?:[!-9;-~]+: |[ \t])[ -~]*$/);
    expect(line.length).toBeLessThanOrEqual(78);
  }
  return lines.filter((line) => !/^[ \t]/.test(line)).map((line) => line.slice(0, line.indexOf(':')).toLowerCase());
}

/** One header field of a raw message, unfolded. */
function headerField(raw: Buffer, name: string): string | undefined {
  const text = raw.toString('utf8');
  const fields = text.slice(0, text.indexOf('\r\n\r\n')).split(/\r\n(?![ \t])/);
  return fields.find((field) => field.toLowerCase().startsWith(`${name.toLowerCase()}:`))?.replace(/\r\n[ \t]/g, ' ');
}

const fastPath = (raw: Buffer) => raw.toString('latin1').includes('boundary="----=_welcome_');

describe('composeWelcomeEmail', () => {
  it('builds a plain welcome email itself: one To, one sender, the Message-ID, both parts decoded intact', async () => {
    const m = mail({ text: 'line one\nline two\r\nline three\rend', html: '<p>=&nbsp;é</p>\n'.repeat(20) });
    const prepared = await composeWelcomeEmail(m);
    expect(fastPath(prepared.raw)).toBe(true);
    expect(prepared.envelope).toEqual({ from: 'welcome@acme.test', to: ['ada@example.test'] });
    expect(new Set(headerFieldNames(prepared.raw))).toEqual(ALLOWED_FIELDS);
    const parsed = await simpleParser(prepared.raw);
    expect(parsed.messageId).toBe('<evt-1@acme.test>');
    expect((parsed.from as AddressObject).value).toEqual([{ name: 'Acme', address: 'welcome@acme.test' }]);
    expect((parsed.to as AddressObject).value).toEqual([{ name: 'Ada Lovelace', address: 'ada@example.test' }]);
    expect(parsed.subject).toBe(m.subject);
    expect(parsed.text).toBe('line one\nline two\nline three\nend');
    const reference = await simpleParser((await composeWithNodemailer(m)).raw);
    expect(parsed.html).toBe(reference.html);
    expect(parsed.html.toString().replace(/\r\n/g, '\n').trimEnd()).toBe(m.html.trimEnd());
  });

  it.each([
    ['a line break and a Bcc', 'Ada\r\nBcc: victim@evil.test'],
    ['an address list', 'Evil <x@evil.test>, other@evil.test'],
    ['a group', 'undisclosed: a@evil.test, b@evil.test;'],
    ['an encoded word', '=?utf-8?Q?x@evil.test?='],
    ['quotes and backslashes', 'A\\"da" <x@evil.test>'],
    ['non-ASCII', 'Zoë 山田 😀'],
  ])('when the name carries %s, even past the event schema › it is one encoded display name of the one recipient', async (_label, name) => {
    const prepared = await composeWelcomeEmail(mail({ name, subject: `Welcome, ${name}!` }));
    expect(fastPath(prepared.raw)).toBe(true);
    expect(prepared.envelope?.to).toEqual(['ada@example.test']);
    const fields = headerFieldNames(prepared.raw);
    expect(fields.filter((f) => !ALLOWED_FIELDS.has(f))).toEqual([]);
    expect(fields.filter((f) => f === 'to')).toHaveLength(1);
    const parsed = await simpleParser(prepared.raw);
    expect((parsed.to as AddressObject).value).toEqual([{ name, address: 'ada@example.test' }]);
    expect(parsed.subject).toBe(`Welcome, ${name}!`);
    expect(parsed.bcc).toBeUndefined();
    expect(parsed.cc).toBeUndefined();
  });

  it.each([
    ['Persian with a ZWNJ', 'می\u200cخواهم'],
    ['a Persian family name ending in a ZWNJ suffix', 'مهرداد\u200cی'],
    ['Hindi with a ZWJ and a ZWNJ', 'लक्\u200dष्मी रक्\u200cषा'],
    ['Malayalam with ZWJ chillus', 'അന്\u200dവര്\u200d'],
    ['a ZWJ emoji', 'Ada \u{1F469}\u200d\u{1F4BB}'],
    ['a ZWJ emoji family', '\u{1F468}\u200d\u{1F469}\u200d\u{1F467} Smith'],
    ['ASCII letters joined by a ZWJ (not letters only, so not plain)', 'Ada\u200dLovelace'],
    ['thirty ZWNJs before a name, across several encoded words', `${'\u200c'.repeat(30)}Ada`],
  ])('when the name is %s › it goes on the wire only as encoded words, and a reader gets it back exactly, as from nodemailer', async (_label, name) => {
    const m = mail({ name, subject: `Welcome, ${name}!` });
    const prepared = await composeWelcomeEmail(m);
    expect(fastPath(prepared.raw)).toBe(true);
    headerFieldNames(prepared.raw);
    expect(headerField(prepared.raw, 'To')).toMatch(/^To: (?:=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?= ?)+ <ada@example\.test>$/);
    expect(headerField(prepared.raw, 'Subject')).toMatch(/^Subject: (?:=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?= ?)+$/);
    const parsed = await simpleParser(prepared.raw);
    expect((parsed.to as AddressObject).value).toEqual([{ name, address: 'ada@example.test' }]);
    expect(parsed.subject).toBe(`Welcome, ${name}!`);
    const reference = await simpleParser((await composeWithNodemailer(m)).raw);
    expect((reference.to as AddressObject).value).toEqual((parsed.to as AddressObject).value);
  });

  describe('when parseEvent dropped the name of an otherwise valid event', () => {
    /** What the dispatcher sends for a raw event: parse, render, compose. */
    async function send(name: string) {
      const value = signupEvent('evt-1', { occurredAt: '2024-05-01T12:30:00Z', user: { id: 'user-42', email: 'ada@example.test', name } });
      const parsed = parseEvent(Buffer.from(JSON.stringify(value)));
      if (!parsed.ok) throw new Error(`parseEvent refused the event: ${parsed.error}`);
      return composeWelcomeEmail(renderWelcomeEmail(parsed.event, { from: 'Acme <welcome@acme.test>', domain: 'acme.test' }));
    }

    it.each([
      ['a right-to-left override (U+202E)', 'Ada\u202eecalevoL'],
      ['CR/LF and a Bcc', 'Ada\r\nBcc: victim@evil.test'],
      ['an encoded word', '=?utf-8?Q?Security_Team?='],
    ])('%s › the email is sent to the user with a bare address and no trace of the name', async (_label, name) => {
      const prepared = await send(name);
      const raw = prepared.raw;
      expect(prepared.envelope?.to).toEqual(['ada@example.test']);
      expect(headerField(raw, 'To')).toBe('To: ada@example.test');
      expect(headerField(raw, 'Subject')).toBe('Subject: Welcome!');
      const parsed = await simpleParser(raw);
      expect((parsed.to as AddressObject).value).toEqual([{ name: '', address: 'ada@example.test' }]);
      expect(parsed.bcc).toBeUndefined();
      expect(`${parsed.subject}${parsed.text}${parsed.html}`).not.toMatch(/\u202e|Bcc|evil|Security/);
    });
  });

  it.each([
    ['a non-ASCII local part', { address: 'zoë@example.test' }],
    ['a sender with two addresses', { from: 'a@acme.test, b@acme.test' }],
    ['a Message-ID it does not write itself', { messageId: '<evt 1@acme.test>' }],
  ])('when the email has %s › nodemailer composes it', async (_label, over) => {
    const m = mail(over);
    let ours: unknown;
    try {
      ours = await composeWelcomeEmail(m);
    } catch (err) {
      ours = err;
    }
    let theirs: unknown;
    try {
      theirs = await composeWithNodemailer(m);
    } catch (err) {
      theirs = err;
    }
    if (theirs instanceof Error) {
      expect(ours).toBeInstanceOf(Error);
      return;
    }
    const prepared = ours as Awaited<ReturnType<typeof composeWelcomeEmail>>;
    expect(fastPath(prepared.raw)).toBe(false);
    expect(prepared.envelope).toEqual((theirs as typeof prepared).envelope);
  });

  describe('international addresses', () => {
    it.each([
      ['ada@bücher.de', 'ada@xn--bcher-kva.de'],
      ['ada@BÜCHER.de', 'ada@xn--bcher-kva.de'],
      ['ada@xn--bcher-kva.de', 'ada@xn--bcher-kva.de'],
    ])('%s (an ASCII local part) › composed by the fast path, the domain as A-labels in the envelope and in To', async (address, wire) => {
      const prepared = await composeWelcomeEmail(mail({ address }));
      expect(fastPath(prepared.raw)).toBe(true);
      expect(prepared.envelope?.to).toEqual([wire]);
      const raw = prepared.raw;
      expect(raw.subarray(0, raw.indexOf('\r\n\r\n')).toString('latin1')).toMatch(/^[\t\r\n -~]*$/);
      expect(headerField(raw, 'To')).toBe(`To: Ada Lovelace <${wire}>`);
    });

    it.each(['jörg@example.de', '用户@例子.广告'])(
      '%s (a UTF-8 local part) › the envelope and the To header carry it as UTF-8 (RFC 6532), nothing else in the head is raw UTF-8',
      async (address) => {
        const prepared = await composeWelcomeEmail(mail({ address, name: 'Jörg' }));
        expect(prepared.envelope?.to).toEqual([address]);
        const raw = prepared.raw;
        const to = headerField(raw, 'To') ?? '';
        expect(to).toBe(`To: =?UTF-8?Q?J=C3=B6rg?= <${address}>`);
        const head = raw.subarray(0, raw.indexOf('\r\n\r\n')).toString('utf8');
        expect(head.replace(to, '')).toMatch(/^[\t\r\n -~]*$/);
        const parsed = await simpleParser(raw);
        expect((parsed.to as AddressObject).value.map((v) => [v.name, v.address])).toEqual([['Jörg', address]]);
      },
    );
  });

  it('writes the host name in lower case, like nodemailer', async () => {
    const prepared = await composeWelcomeEmail(mail({ address: 'Ada@Example.TEST' }));
    expect(prepared.envelope?.to).toEqual(['Ada@example.test']);
  });

  it('for any name and subject › a well-formed head with one recipient, read back as nodemailer would write it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 80 }), async (name, extra) => {
        const m = mail({ name: name.trim(), subject: `Welcome, ${name}${extra}!`, text: `Hi ${name}\n${extra}` });
        const prepared = await composeWelcomeEmail(m);
        expect(prepared.envelope?.to).toEqual(['ada@example.test']);
        expect(headerFieldNames(prepared.raw).filter((f) => !ALLOWED_FIELDS.has(f))).toEqual([]);
        const parsed = await simpleParser(prepared.raw);
        const to = (parsed.to as AddressObject).value;
        expect(to.map((v) => v.address)).toEqual(['ada@example.test']);
        expect(parsed.bcc).toBeUndefined();
        expect(parsed.cc).toBeUndefined();
      }),
      { numRuns: 500 },
    );
    // 500 messages parsed back take about 4 s alone, past vitest's 5 s default when other files run beside it.
  }, 30_000);
});

describe('composeWelcomeEmail › envelope sender and automated-mail headers', () => {
  it.each([
    ['the fast path', {}],
    ['nodemailer (a UTF-8 local part)', { address: 'jörg@example.de' }],
  ])(
    'through %s › MAIL FROM is the envelope sender (EMAIL_ENVELOPE_FROM), From stays EMAIL_FROM, and Auto-Submitted says auto-generated',
    async (_label, over) => {
      const prepared = await composeWelcomeEmail({ ...mail(over), envelopeFrom: 'bounces+evt-1@bounce.acme.test' });
      expect(prepared.envelope?.from).toBe('bounces+evt-1@bounce.acme.test');
      const raw = prepared.raw;
      expect(headerField(raw, 'From')).toBe('From: Acme <welcome@acme.test>');
      expect(headerField(raw, 'Auto-Submitted')).toBe('Auto-Submitted: auto-generated');
      expect(headerField(raw, 'Return-Path')).toBeUndefined();
    },
  );

  it('without an envelope sender › MAIL FROM is the address of EMAIL_FROM, and Auto-Submitted is still there', async () => {
    const prepared = await composeWelcomeEmail(mail());
    expect(prepared.envelope?.from).toBe('welcome@acme.test');
    expect(headerField(prepared.raw, 'Auto-Submitted')).toBe('Auto-Submitted: auto-generated');
  });
});

describe('the template set\u2019s headers (manifest: Feedback-ID, List-Unsubscribe, List-Unsubscribe-Post)', () => {
  const HEADERS = [
    ['Feedback-ID', 'verify:acme:esp'],
    ['List-Unsubscribe', '<https://acme.test/unsubscribe?user=user%2042&event=evt-1>'],
    ['List-Unsubscribe-Post', 'List-Unsubscribe=One-Click'],
  ] as const;

  it.each([
    ['the fast path', composeWelcomeEmail, 'ada@example.test'],
    ['nodemailer\u2019s composer (a UTF-8 local part)', composeWelcomeEmail, 'jörg@example.test'],
  ])('%s › each header once, as given, beside Auto-Submitted', async (_path, compose, address) => {
    const { raw } = await compose({ ...mail({ address }), headers: HEADERS });
    const parsed = await simpleParser(raw);
    for (const [name, value] of HEADERS)
      expect(parsed.headerLines.filter((h) => h.key === name.toLowerCase()).map((h) => h.line.replace(/\r?\n/g, ''))).toEqual([`${name}: ${value}`]);
    expect(parsed.headers.get('auto-submitted')).toBe('auto-generated');
  });

  it('none › no such header', async () => {
    const { raw } = await composeWelcomeEmail(mail());
    expect(headerFieldNames(raw).filter((name) => name.startsWith('list-') || name === 'feedback-id')).toEqual([]);
  });
});
