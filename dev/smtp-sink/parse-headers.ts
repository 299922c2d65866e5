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

/** Decodes RFC 2047 encoded words (`=?UTF-8?B?...?=`, `=?UTF-8?Q?...?=`), as nodemailer writes subjects. */
export function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?') // whitespace between adjacent encoded words is not part of the text
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (word, charset: string, encoding: string, text: string) => {
      try {
        const bytes =
          encoding.toUpperCase() === 'B'
            ? Buffer.from(text, 'base64')
            : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
        return new TextDecoder(charset.split('*')[0]).decode(bytes);
      } catch {
        return word;
      }
    });
}

/** The Message-ID with its angle brackets, the form nodemailer's `info.messageId` has. */
export function messageIdOf(headers: HeaderMap): string | undefined {
  return headers['message-id']?.trim() || undefined;
}
