import { relayRefusalReason } from '../errors.js';
import { type Relay, tagRelay } from './relay.js';

/**
 * Every relay at start, side by side. A relay that refuses us (its login, its certificate) stops
 * the start, tagged with its name (`relay`) so the line names its variables; one that does not
 * answer is left to its breaker while another answers.
 */
export async function verifyRelays(relays: readonly Relay[]): Promise<void> {
  const results = await Promise.allSettled(relays.map((relay) => relay.mailer.verify()));
  const failures = results.flatMap((result, i) => (result.status === 'rejected' ? [tagRelay(result.reason, relays[i]!.name)] : []));
  const refused = failures.find((err) => relayRefusalReason(err) !== undefined);
  if (refused !== undefined) throw refused;
  if (failures.length === relays.length) throw failures[0];
}
