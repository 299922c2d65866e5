/**
 * CPU per welcome email of DKIM signing (nodemailer's signer, RSA 2048, relaxed/relaxed, sha256) on the
 * bytes composed ahead, against composing alone: composing ahead must stay ahead of the workers.
 * Prints figures; asserts nothing.
 *
 *   npx tsx bench/dkim.ts [--emails 3000] [--rounds 5]
 *
 * Each figure is the median over rounds of process CPU time (user + system) / emails, after a warm-up.
 */
import { generateKeyPairSync } from 'node:crypto';
import { parseArgs } from 'node:util';

import { signupEvent } from '../dev/signup-event.js';
import { composeWelcomeEmail } from '../src/email/compose-welcome-email.js';
import { createDkimSigner } from '../src/email/dkim-signer.js';
import { renderWelcomeEmail } from '../src/email/render-welcome-email.js';

const { values: flags } = parseArgs({ options: { emails: { type: 'string', default: '3000' }, rounds: { type: 'string', default: '5' } } });
const EMAILS = Number(flags.emails);
const ROUNDS = Number(flags.rounds);
const SITE = { from: 'Bench <welcome@bench.test>', domain: 'bench.test' };
const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const sign = createDkimSigner({ domain: 'bench.test', selector: 'bench', privateKey });
const mails = Array.from({ length: EMAILS }, (_, i) =>
  renderWelcomeEmail(signupEvent(`dkim-${i}`, { user: { id: `u-${i}`, email: `u${i}@example.test`, name: i % 2 ? 'Ada Lovelace' : 'Zoë O’Hara' } }), SITE),
);

/** Microseconds of CPU per email for one pass over `mails`. */
async function cpuPerEmail(work: (i: number) => Promise<unknown>): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < EMAILS; i += 1) await work(i);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / EMAILS;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const compose = (i: number) => composeWelcomeEmail(mails[i]!);
const composeAndSign = async (i: number) => sign((await composeWelcomeEmail(mails[i]!)).raw);

await cpuPerEmail(composeAndSign); // warm-up
const composed: number[] = [];
const signed: number[] = [];
for (let r = 0; r < ROUNDS; r += 1) {
  composed.push(await cpuPerEmail(compose));
  signed.push(await cpuPerEmail(composeAndSign));
}
const c = median(composed);
const s = median(signed);
console.log(
  `compose: ${c.toFixed(1)} µs/email · compose + DKIM sign: ${s.toFixed(1)} µs/email (signing ${(s - c).toFixed(1)} µs) · ${EMAILS} emails × ${ROUNDS} rounds, Node ${process.versions.node}`,
);
console.log(`at 2 000 emails/s, signing costs ${((((s - c) * 2000) / 1e6) * 100).toFixed(1)} % of one core`);
