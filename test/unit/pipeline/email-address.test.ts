import { describe, expect, it } from 'vitest';

import { envelopeNeedsSmtpUtf8, parseAddress } from '../../../src/pipeline/email-address.js';

describe('parseAddress', () => {
  it.each([
    ['an IDN domain in U-labels', 'ada@bücher.de', { local: 'ada', asciiDomain: 'xn--bcher-kva.de', needsSmtpUtf8: false }],
    ['the same domain in A-labels', 'ada@xn--bcher-kva.de', { local: 'ada', asciiDomain: 'xn--bcher-kva.de', needsSmtpUtf8: false }],
    ['a UTF-8 local part', 'jörg@example.de', { local: 'jörg', asciiDomain: 'example.de', needsSmtpUtf8: true }],
    ['a UTF-8 local part at an IDN domain', '用户@例子.广告', { local: '用户', asciiDomain: 'xn--fsqu00a.xn--4rr70v', needsSmtpUtf8: true }],
    ['an upper-case IDN domain', 'ada@BÜCHER.de', { local: 'ada', asciiDomain: 'xn--bcher-kva.de', needsSmtpUtf8: false }],
    ['a plain address', "o'brien+tag@Sub.Good.Test", { local: "o'brien+tag", asciiDomain: 'sub.good.test', needsSmtpUtf8: false }],
  ])('%s › accepted, with its domain as it goes on the wire', (_label, address, wire) => {
    expect(parseAddress(address)).toEqual(wire);
  });

  it.each([
    ['two addresses', 'a@good.test,b@evil.test', 'not_one_address'],
    ['a full-width at sign that reads as a second address', 'a＠evil.test@good.test', 'local_part'],
    ['a full-width at sign alone', 'a＠good.test', 'not_one_address'],
    ['a small commercial at', 'a﹫evil.test@good.test', 'local_part'],
    ['a full-width comma', 'a，b@good.test', 'local_part'],
    ['a right-to-left override in the local part', 'ada\u202e@good.test', 'local_part'],
    ['a right-to-left mark in the domain', 'ada@good\u200f.test', 'domain'],
    ['a zero-width space that IDNA maps away', 'ada@ex\u200bample.com', 'domain'],
    ['a zero-width joiner in the local part', 'a\u200db@good.test', 'local_part'],
    ['an ideographic full stop that IDNA maps to a dot', 'ada@例子。广告', 'domain'],
    ['full-width letters that IDNA maps to ASCII', 'ada@ｅｘａｍｐｌｅ.com', 'domain'],
    ['a line separator', 'ada\u2028@good.test', 'local_part'],
    ['a NEL', 'ada@good.test\u0085', 'domain'],
    ['a no-break space', 'a\u00a0b@good.test', 'local_part'],
    ['an ideographic space', 'a\u3000b@good.test', 'local_part'],
    ['a tag character', 'a\u{E0041}@good.test', 'local_part'],
    ['a quoted local part', '"a b"@good.test', 'local_part'],
    ['a comment', 'a(x)@good.test', 'local_part'],
    ['an invalid A-label', 'a@xn--zz.test', 'domain'],
    ['an IP literal', 'a@[127.0.0.1]', 'domain'],
    ['a dotted IP', 'a@127.0.0.1', 'domain'],
    ['an underscore in the domain', 'a@a_b.test', 'domain'],
    ['a trailing apostrophe', "a'@good.test", 'local_part'],
    ['a 65-octet UTF-8 local part', `${'ö'.repeat(33)}@good.test`, 'too_long'],
  ])('%s › refused (%#)', (_label, address, problem) => {
    expect(parseAddress(address)).toBe(problem);
  });
});

describe('envelopeNeedsSmtpUtf8', () => {
  it('only for an envelope with a non-ASCII address', () => {
    expect(envelopeNeedsSmtpUtf8({ from: 'a@b.test', to: ['ada@xn--bcher-kva.de'] })).toBe(false);
    expect(envelopeNeedsSmtpUtf8({ from: 'a@b.test', to: ['jörg@example.de'] })).toBe(true);
  });
});
