/**
 * CPU per event of choosing its template set from the manifest (one map read) and checking the
 * fields the set needs, against parsing the same sign-up with the routes of a folder without a
 * manifest; and what an event of a type no set serves costs (skipped before the schema). Prints
 * figures; asserts nothing.
 *
 *   npx tsx bench/event-routes.ts [--events 20000] [--rounds 5]
 *
 * Each figure is the median over rounds of process CPU time (user + system) / events, after a warm-up.
 */
import { parseArgs } from 'node:util';

import { signupEvent } from '../dev/signup-event.js';
import { renderEmail } from '../src/email/render-welcome-email.js';
import { loadTemplateCatalog } from '../src/email/templates/load-template-catalog.js';
import { parseEvent } from '../src/intake/parse-event.js';
import { WELCOME_ONLY } from '../src/pipeline/event-routes.js';

const { values: flags } = parseArgs({ options: { events: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '5' } } });
const EVENTS = Number(flags.events);
const ROUNDS = Number(flags.rounds);
const catalog = loadTemplateCatalog({ dir: '', defaultLocale: 'en', vars: {} });
const SITE = { from: 'Bench <welcome@bench.test>', domain: 'bench.test' };

const values = (make: (i: number) => object) => Array.from({ length: EVENTS }, (_, i) => Buffer.from(JSON.stringify(make(i))));
const signups = values((i) => signupEvent(`b-${i}`, { user: { id: `u-${i}`, email: `user${i}@example.test`, name: 'Ada Lovelace' } }));
const verifications = values((i) =>
  signupEvent(`v-${i}`, {
    type: 'user.email_verification_requested',
    user: { id: `u-${i}`, email: `user${i}@example.test`, name: 'Ada Lovelace' },
    data: { verificationUrl: `https://acme.test/verify?token=${i}abcdef&u=${i}` },
  }),
);
const others = values((i) => ({ eventId: `o-${i}`, type: 'user.deleted', occurredAt: new Date().toISOString(), subject: `u-${i}` }));

function cpuPerEvent(work: (i: number) => unknown): number {
  const start = process.cpuUsage();
  for (let i = 0; i < EVENTS; i += 1) work(i);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / EVENTS;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const measure = (work: (i: number) => unknown) => {
  cpuPerEvent(work);
  return median(Array.from({ length: ROUNDS }, () => cpuPerEvent(work)));
};
const render = (value: Buffer) => {
  const parsed = parseEvent(value, catalog.routes);
  if (!parsed.ok) throw new Error(parsed.error);
  return renderEmail(parsed.event, catalog.set(parsed.template), SITE);
};

console.log(`event routes, ${EVENTS} events × ${ROUNDS} rounds, Node ${process.version}`);
const rows: Array<[string, number]> = [
  ['parse a sign-up, no manifest (welcome only)', measure((i) => parseEvent(signups[i], WELCOME_ONLY))],
  ['parse a sign-up, the shipped manifest', measure((i) => parseEvent(signups[i], catalog.routes))],
  ['parse a verification request (its url field checked)', measure((i) => parseEvent(verifications[i], catalog.routes))],
  ['parse an unmapped type (skipped before the schema)', measure((i) => parseEvent(others[i], catalog.routes))],
  ['parse + render a sign-up (welcome, en)', measure((i) => render(signups[i] as Buffer))],
  ['parse + render a verification request (verify-email, en)', measure((i) => render(verifications[i] as Buffer))],
];
for (const [what, us] of rows) console.log(`${what.padEnd(60)} ${us.toFixed(2)} µs`);
