/** Header names lower-cased; the first occurrence wins (the top-most Received, say). Values unfolded. */
export type HeaderMap = Record<string, string>;

/** Byte offset just past the blank line that ends the header block, or -1 if it is not in `raw` yet. */
export function headerEnd(raw: Buffer): number {
  const crlf = raw.indexOf('\r\n\r\n');
  if (crlf !== -1) return crlf + 4;
  const lf = raw.indexOf('\n\n');
  return lf === -1 ? -1 : lf + 2;
}

/** Parses an RFC 5322 header block without decoding it, cheap enough for a million mails. */
export function parseHeaders(block: string): HeaderMap {
  const headers: HeaderMap = {};
  let name: string | undefined;
  let value = '';
  const flush = (): void => {
    if (name !== undefined && !(name in headers)) headers[name] = value.trim();
  };
  for (const line of block.split(/\r?\n/)) {
    if (line === '') break;
    if (/^[ \t]/.test(line) && name !== undefined) {
      value += ` ${line.trim()}`; // folded continuation (RFC 5322 §2.2.3)
      continue;
    }
    flush();
    const colon = line.indexOf(':');
    name = colon > 0 ? line.slice(0, colon).trim().toLowerCase() : undefined;
    value = colon > 0 ? line.slice(colon + 1) : '';
  }
  flush();
  return headers;
}

/**
 * Decodes RFC 2047 encoded words (`=?UTF-8?B?...?=`, `=?UTF-8?Q?...?=`) as nodemailer writes long
 * non-ASCII subjects: several adjacent words whose bytes are joined before decoding, because a word
 * boundary may split a multi-byte character.
 */
export function decodeWords(value: string): string {
  const word = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;
  let out = '';
  let last = 0;
  let pending: { charset: string; bytes: Buffer[] } | undefined;
  const flush = (): void => {
    if (pending === undefined) return;
    try {
      out += new TextDecoder(pending.charset).decode(Buffer.concat(pending.bytes));
    } catch {
      out += Buffer.concat(pending.bytes).toString('latin1'); // unknown charset: keep what we can
    }
    pending = undefined;
  };
  for (const match of value.matchAll(word)) {
    const [whole, rawCharset = '', encoding = '', text = ''] = match;
    const between = value.slice(last, match.index);
    // Whitespace between two encoded words is folding, not text (RFC 2047 §6.2).
    if (pending === undefined || !/^\s*$/.test(between)) {
      flush();
      out += between;
    }
    const charset = rawCharset.split('*')[0]?.toLowerCase() ?? 'utf-8';
    const bytes =
      encoding.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64')
        : Buffer.from(
            text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
            'latin1',
          );
    if (pending !== undefined && pending.charset !== charset) flush();
    pending ??= { charset, bytes: [] };
    pending.bytes.push(bytes);
    last = match.index + whole.length;
  }
  flush();
  return out + value.slice(last);
}

/** The Message-ID with its angle brackets, the form nodemailer's `info.messageId` has. */
export function messageIdOf(headers: HeaderMap): string | undefined {
  return headers['message-id']?.trim() || undefined;
}
