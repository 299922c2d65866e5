import { simpleParser } from 'mailparser';

import { decodeWords, headerEnd, type HeaderMap, messageIdOf, parseHeaders } from './parse-headers.js';

export interface ReceivedMail {
  /** SMTP envelope: MAIL FROM and every accepted RCPT TO. */
  envelope: { from: string; to: string[] };
  /** With angle brackets, e.g. `<abc@example.com>`. */
  messageId: string | undefined;
  /** Decoded Subject header. */
  subject: string | undefined;
  /** The To header as written (decoded). */
  to: string | undefined;
  /** Raw header values by lower-cased name, unfolded, not decoded. */
  headers: HeaderMap;
  /** Plain-text body; undefined in counters-only mode (`store: false`) or when the mail has none. */
  text: string | undefined;
  /** HTML body; undefined in counters-only mode (`store: false`) or when the mail has none. */
  html: string | undefined;
  /** The DATA payload as received (a DKIM verifier needs the bytes); undefined in counters-only mode. */
  raw: Buffer | undefined;
  /** Size of the DATA payload in bytes. */
  size: number;
  receivedAt: Date;
}

export interface MailInput {
  raw: Buffer;
  size: number;
  envelope: ReceivedMail['envelope'];
  /** Decode the body with mailparser; headers only when false. */
  parseBody: boolean;
}

/** Headers are parsed by hand for every mail; the MIME body only when it is kept (mailparser is slow). */
export async function toReceivedMail({ raw, size, envelope, parseBody }: MailInput): Promise<ReceivedMail> {
  const end = headerEnd(raw);
  const headers = parseHeaders(raw.subarray(0, end === -1 ? raw.length : end).toString('utf8'));
  const mail: ReceivedMail = {
    envelope,
    messageId: messageIdOf(headers),
    subject: headers.subject === undefined ? undefined : decodeWords(headers.subject),
    to: headers.to === undefined ? undefined : decodeWords(headers.to),
    headers,
    text: undefined,
    html: undefined,
    raw: parseBody ? raw : undefined,
    size,
    receivedAt: new Date(),
  };
  if (parseBody) {
    const parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
    mail.text = parsed.text;
    mail.html = parsed.html === false ? undefined : parsed.html;
  }
  return mail;
}
