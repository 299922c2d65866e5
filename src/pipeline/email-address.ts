import { domainToASCII, domainToUnicode } from 'node:url';

/** Why an address is refused: stable codes, never the address itself. */
export const ADDRESS_PROBLEMS = ['not_one_address', 'local_part', 'domain', 'too_long'] as const;
export type AddressProblem = (typeof ADDRESS_PROBLEMS)[number];

/**
 * A dot-atom local part (RFC 5321/6531) over a narrow alphabet: the ASCII letters, digits and `_'+-`
 * the service always took, and any non-ASCII letter, mark or digit (RFC 6531 `UTF8-non-ascii`, cut to
 * what names are written with). Refused by construction: quotes, comments, white space, controls,
 * format characters (bidi controls, zero-width characters, tags), symbols and punctuation outside
 * ASCII (the full-width `＠`, `﹫`, `，` that a reader would take for a delimiter).
 */
const LOCAL_PART = /^[\p{L}\p{M}\p{N}_'+-]+(?:\.[\p{L}\p{M}\p{N}_'+-]+)*$/u;
/** zod's rule for ASCII local parts, kept: a local part never ends in an apostrophe. */
const LOCAL_PART_ASCII_END = /[^']$/u;
/** What a domain may be written with before IDNA: letters, marks, digits, hyphens and ASCII dots. */
const DOMAIN_CHARACTERS = /^[\p{L}\p{M}\p{N}.-]+$/u;
/** An LDH host name with at least two labels and an alphabetic (or A-label) top-level domain: no IP literal. */
const ASCII_HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;
const NON_ASCII = /\P{ASCII}/u;
/** RFC 5321 4.5.3.1: a path of at most 256 octets including the angle brackets; a local part of 64. */
const MAX_ADDRESS_OCTETS = 254;
const MAX_LOCAL_OCTETS = 64;

/** An address split at its one `@`, with the domain as it goes on the wire without SMTPUTF8. */
export interface WireAddress {
  readonly local: string;
  /** The domain as A-labels, lower case (`xn--bcher-kva.de`). */
  readonly asciiDomain: string;
  /** The local part is not ASCII: only a relay that offers SMTPUTF8 (RFC 6531) can take it. */
  readonly needsSmtpUtf8: boolean;
}

/**
 * The address as the wire needs it, or why it can be no address: one mailbox, `local@domain`, with an
 * RFC 6531 local part (UTF-8 allowed) and a domain in U-labels or A-labels. A domain must already be
 * written the way IDNA would write it (lower case aside): UTS #46 silently maps full-width letters,
 * ideographic full stops and zero-width characters, so `ex\u200bample.com` would reach `example.com`
 * while a reader saw something else.
 */
export function parseAddress(address: string): WireAddress | AddressProblem {
  const at = address.indexOf('@');
  if (at <= 0 || at !== address.lastIndexOf('@')) return 'not_one_address';
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (!LOCAL_PART.test(local) || !LOCAL_PART_ASCII_END.test(local)) return 'local_part';
  if (!DOMAIN_CHARACTERS.test(domain)) return 'domain';
  const asciiDomain = NON_ASCII.test(domain) ? domainToASCII(domain) : domain.toLowerCase();
  if (asciiDomain.length > 253 || !ASCII_HOST.test(asciiDomain)) return 'domain';
  if (NON_ASCII.test(domain) || asciiDomain.includes('xn--')) {
    // The round trip must give back what was written: nothing mapped away, every A-label valid.
    const unicode = domainToUnicode(asciiDomain);
    // Node 20 gives '' for an A-label that does not decode; Node 24 gives it back as it was. A valid
    // A-label always decodes to a U-label, so any label still in xn-- form did not decode.
    if (unicode === '' || unicode.split('.').some((label) => label.startsWith('xn--'))) return 'domain';
    if (unicode !== domain.normalize('NFC').toLowerCase() && asciiDomain !== domain.toLowerCase()) return 'domain';
    if (domainToASCII(unicode) !== asciiDomain) return 'domain';
  }
  const localOctets = Buffer.byteLength(local, 'utf8');
  if (localOctets > MAX_LOCAL_OCTETS || localOctets + 1 + Math.max(asciiDomain.length, Buffer.byteLength(domain, 'utf8')) > MAX_ADDRESS_OCTETS)
    return 'too_long';
  return { local, asciiDomain, needsSmtpUtf8: NON_ASCII.test(local) };
}

/** Whether an envelope carries anything but ASCII (then the relay must offer SMTPUTF8). */
export function envelopeNeedsSmtpUtf8(envelope: { readonly from: string; readonly to: readonly string[] }): boolean {
  return NON_ASCII.test(envelope.from) || envelope.to.some((to) => NON_ASCII.test(to));
}
