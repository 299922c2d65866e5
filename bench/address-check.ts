/**
 * CPU per email of the address checks for RFC 6531 addresses: the check alone, parsing a
 * whole event, and composing, for a plain ASCII address, an IDN domain and a UTF-8 local part. Prints
 * figures; asserts nothing.
 *
 *   npx tsx bench/address-check.ts [--emails 20000] [--rounds 5]
 *
 * Each figure is the median over rounds of process CPU time (user + system) / emails, after a warm-up.
 */
import { parseArgs } from 'node:util';

import { z } from 'zod';

import { signupEvent } from '../dev/signup-event.js';
import { composeWelcomeEmail, composeWithNodemailer } from '../src/email/compose-welcome-email.js';
import { renderWelcomeEmail, type WelcomeEmail } from '../src/email/render-welcome-email.js';
import { parseEvent } from '../src/intake/parse-event.js';
import { parseAddress } from '../src/pipeline/email-address.js';

const { values: flags } = parseArgs({ options: { emails: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '5' } } });
const EMAILS = Number(flags.emails);
const ROUNDS = Number(flags.rounds);
const SITE = { from: 'Bench <welcome@bench.test>', domain: 'bench.test' };
const KINDS = { ascii: (i: number) => `user${i}@example.test`, idn: (i: number) => `user${i}@bücher.de`, utf8: (i: number) => `jörg${i}@例子.广告` } as const;

function cpuPerEmail(work: (i: number) => unknown): number {
  const start = process.cpuUsage();
  for (let i = 0; i < EMAILS; i += 1) work(i);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / EMAILS;
}
async function cpuPerEmailAsync(work: (i: number) => Promise<unknown>, emails: number): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < emails; i += 1) await work(i);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / emails;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
/** The rule the schema used before RFC 6531 addresses (ASCII only). */
const ZOD_EMAIL = z.email().max(254);
const fmt = (us: number) => `${us.toFixed(2)} µs`;

console.log(`address checks, ${EMAILS} emails × ${ROUNDS} rounds, Node ${process.version}`);
for (const [kind, address] of Object.entries(KINDS)) {
  const values = Array.from({ length: EMAILS }, (_, i) =>
    Buffer.from(JSON.stringify(signupEvent(`b-${i}`, { user: { id: `u-${i}`, email: address(i), name: 'Ada Lovelace' } }))),
  );
  const addresses = Array.from({ length: EMAILS }, (_, i) => address(i));
  cpuPerEmail((i) => parseAddress(addresses[i]!));
  cpuPerEmail((i) => parseEvent(values[i]!));
  const check = median(Array.from({ length: ROUNDS }, () => cpuPerEmail((i) => parseAddress(addresses[i]!))));
  const parse = median(Array.from({ length: ROUNDS }, () => cpuPerEmail((i) => parseEvent(values[i]!))));
  const mails: WelcomeEmail[] = values.slice(0, 2000).map((v) => {
    const r = parseEvent(v);
    if (!r.ok) throw new Error(r.error);
    return renderWelcomeEmail(r.event, SITE);
  });
  await cpuPerEmailAsync((i) => composeWelcomeEmail(mails[i]!), mails.length);
  const compose: number[] = [];
  const nodemailer: number[] = [];
  for (let r = 0; r < 3; r += 1) {
    compose.push(await cpuPerEmailAsync((i) => composeWelcomeEmail(mails[i]!), mails.length));
    nodemailer.push(await cpuPerEmailAsync((i) => composeWithNodemailer(mails[i]!), mails.length));
  }
  const zodCheck = median(Array.from({ length: ROUNDS }, () => cpuPerEmail((i) => ZOD_EMAIL.safeParse(addresses[i]!))));
  console.log(
    `${kind.padEnd(6)} parseAddress ${fmt(check)} (zod's ASCII-only rule before: ${fmt(zodCheck)})  parseEvent ${fmt(parse)}  compose ${fmt(median(compose))} (nodemailer's composer ${fmt(median(nodemailer))})`,
  );
}
