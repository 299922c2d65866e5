import { randomUUID } from 'node:crypto';

import addressparser from 'nodemailer/lib/addressparser/index.js';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { encodeWord, foldLines } from 'nodemailer/lib/mime-funcs/index.js';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp/index.js';

import { parseAddress } from '../pipeline/email-address.js';
import type { WelcomeEmail } from './render-welcome-email.js';

/** A welcome email made ready to send: its wire bytes and envelope, the only thing a mailer sends. */
export interface PreparedMail {
  readonly mail: WelcomeEmail;
  /** The RFC 5322 message, as it goes on the wire (DKIM-signed by the mailer that signs). */
  readonly raw: Buffer;
  readonly envelope: { readonly from: string; readonly to: string[] };
}

// What goes into a header as written. Everything else is either base64 encoded words (names,
// subject) or, for addresses and Message-IDs, handed to nodemailer's composer unchanged. An IDN
// domain is written as A-labels here, so only a UTF-8 local part needs nodemailer (and SMTPUTF8).
/** A dot-atom local part and an ASCII host name: nothing to quote, punycode or escape. */
const PLAIN_ADDRESS =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
/** Words of letters and digits, one space apart: a display name no reader can misparse. */
const PLAIN_PHRASE = /^[A-Za-z0-9]+(?: [A-Za-z0-9]+)*$/;
/** Printable ASCII that cannot be taken for an encoded word or lose edge spaces. */
const PLAIN_TEXT = /^(?:[!-~]+(?: [!-~]+)*)?$/;
const PLAIN_MESSAGE_ID = /^<[A-Za-z0-9._-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?>$/;
const LINE_BREAK = /\r\n|\r|\n/g;
/** RFC 3834 5: automated mail says so, and auto-responders (vacation replies) leave it alone. */
const AUTO_SUBMITTED = 'Auto-Submitted: auto-generated';

/**
 * The welcome email as the bytes that go on the wire, built before a worker takes it.
 *
 * The common case (ASCII addresses, the service's own Message-ID) is built here in one synchronous
 * step, about 15× cheaper in CPU than nodemailer's composer, which streams the same message over
 * many event-loop turns (see BENCHMARKS.md). Header safety does not rest on the event schema: a
 * name or subject goes out verbatim only when it is letters/digits (printable ASCII for the
 * subject), otherwise as base64 encoded words, which cannot carry a line break or a delimiter;
 * anything else, such as an internationalised address, goes through nodemailer's composer.
 */
export async function composeWelcomeEmail(mail: WelcomeEmail): Promise<PreparedMail> {
  const from = parseFrom(mail.from);
  const to = asciiAddress(mail.to.address);
  if (!from || to === undefined || !PLAIN_MESSAGE_ID.test(mail.messageId)) return composeWithNodemailer(mail);
  const boundary = `----=_welcome_${randomUUID()}`;
  const head = [
    foldLines(`From: ${mailbox(from.name, from.address)}`, 76),
    foldLines(`To: ${mailbox(mail.to.name, to)}`, 76),
    foldLines(`Subject: ${PLAIN_TEXT.test(mail.subject) && !mail.subject.includes('=?') ? mail.subject : encoded(mail.subject)}`, 76),
    `Message-ID: ${mail.messageId}`,
    AUTO_SUBMITTED,
    ...(mail.headers ?? []).map(([name, value]) => foldLines(`${name}: ${value}`, 76)),
    `Date: ${new Date().toUTCString().replace(/GMT/, '+0000')}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative;\r\n boundary="${boundary}"`,
  ].join('\r\n');
  const body = [part(boundary, 'text/plain', mail.text), part(boundary, 'text/html', mail.html), `--${boundary}--\r\n`].join('');
  return { mail, raw: Buffer.from(`${head}\r\n\r\n${body}`, 'utf8'), envelope: { from: mail.envelopeFrom ?? from.address, to: [to] } };
}

/** nodemailer's own composer: every case the fast path leaves to it (exported so tests hold the two equal). */
export async function composeWithNodemailer(mail: WelcomeEmail): Promise<PreparedMail> {
  const node = new MailComposer(messageOptions(mail)).compile();
  const { from, to } = node.getEnvelope();
  if (!from || to.length !== 1) throw new Error(`the email has ${to.length} recipients and ${from ? 'a' : 'no'} sender; expected one and one`);
  return { mail, raw: await node.build(), envelope: { from: mail.envelopeFrom ?? from, to } };
}

/** The fields nodemailer composes a welcome email from. */
function messageOptions(mail: WelcomeEmail) {
  return {
    from: mail.from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    messageId: mail.messageId,
    headers: { 'Auto-Submitted': 'auto-generated', ...Object.fromEntries(mail.headers ?? []) },
    ...(mail.envelopeFrom ? { envelope: { from: mail.envelopeFrom, to: [mail.to.address] } } : {}),
    // Nothing from an event may pull in a file or URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

function mailbox(name: string, address: string): string {
  if (!name) return address;
  return `${PLAIN_PHRASE.test(name) ? name : encoded(name)} <${address}>`;
}

/** Always base64 encoded words (=?UTF-8?B?…?=, space separated): no delimiter or line break survives. */
function encoded(value: string): string {
  return encodeWord(value, 'B', 52);
}

function part(boundary: string, type: string, content: string): string {
  const crlf = content.replace(LINE_BREAK, '\r\n');
  return `--${boundary}\r\nContent-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${qpWrap(qpEncode(crlf), 76)}\r\n`;
}

/**
 * The address with its domain as A-labels, when its local part is ASCII: then the whole address is
 * ASCII and any relay takes it, with or without SMTPUTF8 (RFC 6531 allows either label form). An
 * address with a UTF-8 local part gives undefined: nodemailer's composer writes it as UTF-8 in To
 * (RFC 6532), which only a relay that offers SMTPUTF8 may carry (the mailer checks).
 */
function asciiAddress(address: string): string | undefined {
  if (PLAIN_ADDRESS.test(address)) return lowerCaseDomain(address);
  const wire = parseAddress(address);
  if (typeof wire === 'string' || wire.needsSmtpUtf8) return undefined;
  const ascii = `${wire.local}@${wire.asciiDomain}`;
  return PLAIN_ADDRESS.test(ascii) ? ascii : undefined;
}

/** Host names are case-insensitive; nodemailer writes them in lower case, and so does this. */
function lowerCaseDomain(address: string): string {
  const at = address.lastIndexOf('@');
  return `${address.slice(0, at)}${address.slice(at).toLowerCase()}`;
}

let lastFrom: { readonly value: string; readonly parsed: { name: string; address: string } | undefined } | undefined;

/** EMAIL_FROM as one plain mailbox, or undefined (then nodemailer composes). Parsed once per value. */
function parseFrom(value: string): { name: string; address: string } | undefined {
  if (lastFrom?.value === value) return lastFrom.parsed;
  const list = addressparser(value);
  const first = list.length === 1 ? list[0] : undefined;
  const single =
    first && 'address' in first && first.address && PLAIN_ADDRESS.test(first.address)
      ? { name: first.name ?? '', address: lowerCaseDomain(first.address) }
      : undefined;
  lastFrom = { value, parsed: single };
  return single;
}
