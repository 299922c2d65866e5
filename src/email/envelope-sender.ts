import { createHash } from 'node:crypto';

/** The tag EMAIL_ENVELOPE_FROM may hold once in its local part. */
export const EVENT_ID_TAG = '{eventId}';
/** RFC 5321 4.5.3.1.1. */
const MAX_LOCAL_OCTETS = 64;
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/**
 * The envelope sender (MAIL FROM, the Return-Path the last MTA writes) of one event: EMAIL_ENVELOPE_FROM
 * with `{eventId}` replaced by the event's id (VERP-style, `bounces+evt-42@bounce.acme.test`), so a
 * bounce that comes hours after the relay accepted the mail names its event. An id that cannot stand in
 * a local part (over 64 octets with the rest, or dots that break a dot-atom) is tagged `h-` and the first
 * 20 hex digits of its SHA-256 instead: still one address per event, matched by hashing the id.
 */
export function envelopeSender(template: string, eventId: string): string {
  if (!template.includes(EVENT_ID_TAG)) return template;
  const at = template.lastIndexOf('@');
  const local = template.slice(0, at);
  const tagged = local.replace(EVENT_ID_TAG, eventId);
  const fits = tagged.length <= MAX_LOCAL_OCTETS && DOT_ATOM.test(tagged);
  const tag = fits ? eventId : `h-${createHash('sha256').update(eventId).digest('hex').slice(0, 20)}`;
  return `${local.replace(EVENT_ID_TAG, tag)}${template.slice(at)}`;
}
