import { describe, expect, it } from 'vitest';

import { decodeWords, headerEnd, parseHeaders } from '../../../../dev/smtp-sink/parse-headers.js';

describe('parseHeaders', () => {
  it('lower-cases names, unfolds continuation lines and keeps the first of repeated headers', () => {
    const headers = parseHeaders('Received: first\r\nReceived: second\r\nSubject: a long\r\n  folded subject\r\nMessage-ID: <id@x>\r\n\r\nbody: no');
    expect(headers).toEqual({ received: 'first', subject: 'a long folded subject', 'message-id': '<id@x>' });
  });
});

describe('headerEnd', () => {
  it('points past the blank line, or -1 while the header block is incomplete', () => {
    expect(headerEnd(Buffer.from('A: b\r\n\r\nbody'))).toBe(8);
    expect(headerEnd(Buffer.from('A: b\r\nC: d'))).toBe(-1);
  });
});

describe('decodeWords', () => {
  it('leaves plain text alone', () => {
    expect(decodeWords('Welcome, Ada!')).toBe('Welcome, Ada!');
  });

  it('decodes B and Q words and drops the folding between adjacent words', () => {
    expect(decodeWords('=?UTF-8?B?V2VsY29tZSwgWm/Dqw==?= =?UTF-8?Q?_and_Ren=C3=A9e?=')).toBe('Welcome, Zoë and Renée');
  });

  it('joins a multi-byte character split across two words', () => {
    // "é" is C3 A9 in UTF-8; here the two bytes sit in different encoded words.
    expect(decodeWords('=?UTF-8?Q?Ren=C3?=\r\n =?UTF-8?Q?=A9e?=')).toBe('Renée');
  });

  it('keeps text between encoded words', () => {
    expect(decodeWords('Hi =?UTF-8?Q?Zo=C3=AB?=, welcome')).toBe('Hi Zoë, welcome');
  });
});
