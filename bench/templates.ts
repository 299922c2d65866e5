/**
 * CPU per welcome email of rendering with the operator's templates (Handlebars, compiled at start)
 * against the hard-coded English renderer they replaced, and of composing the wire bytes after it:
 * composing ahead must stay ahead of the workers. Prints figures; asserts nothing.
 *
 *   npx tsx bench/templates.ts [--emails 5000] [--rounds 5]
 *
 * Each figure is the median over rounds of process CPU time (user + system) / emails, after a warm-up.
 */
import { parseArgs } from 'node:util';

import escapeHtml from 'escape-html';

import { signupEvent } from '../dev/signup-event.js';
import { composeWelcomeEmail } from '../src/email/compose-welcome-email.js';
import { renderWelcomeEmail, type WelcomeEmail } from '../src/email/render-welcome-email.js';
import { loadWelcomeTemplates } from '../src/email/templates/load-welcome-templates.js';
import type { SignupEvent } from '../src/pipeline/signup-event.js';

const { values: flags } = parseArgs({ options: { emails: { type: 'string', default: '5000' }, rounds: { type: 'string', default: '5' } } });
const EMAILS = Number(flags.emails);
const ROUNDS = Number(flags.rounds);
const SITE = { from: 'Bench <welcome@bench.test>', domain: 'bench.test' };

const INVISIBLE = /^[\p{White_Space}\p{Default_Ignorable_Code_Point}]*$/u;

/** The renderer before templates (git show 71599a9:src/delivery/render-welcome-email.ts), the baseline. */
function hardCoded(event: SignupEvent): WelcomeEmail {
  const trimmed = event.user.name?.trim() ?? '';
  const name = INVISIBLE.test(trimmed) ? '' : trimmed;
  const greeting = name ? `Welcome, ${name}!` : 'Welcome!';
  const text = [greeting, '', 'Thanks for signing up. Your account is ready.', '', 'If you did not create this account, you can ignore this email.'].join('\n');
  const html = [
    '<!doctype html>',
    `<html lang="${escapeHtml(event.user.locale ?? 'en')}"><body>`,
    `<h1>${escapeHtml(greeting)}</h1>`,
    '<p>Thanks for signing up. Your account is ready.</p>',
    '<p>If you did not create this account, you can ignore this email.</p>',
    '</body></html>',
  ].join('\n');
  return { from: SITE.from, to: { name, address: event.user.email }, subject: greeting, text, html, messageId: `<${event.eventId}@${SITE.domain}>` };
}

/** Distinct events as parseEvent hands them over: names of several scripts, one locale per set. */
function events(locale: string | undefined): SignupEvent[] {
  const names = ['Ada Lovelace', 'Zoë Müller', '山田太郎', 'می\u200cخواهم', 'José da Silva', ''];
  return Array.from({ length: 1_000 }, (_, i) =>
    signupEvent(`bench-${i}`, { user: { id: `u-${i}`, email: `user${i}@bench.test`, name: names[i % names.length] as string, locale } }),
  );
}

/** Median CPU microseconds per email of `work` over the rounds. */
async function cpuPerEmail(list: readonly SignupEvent[], work: (event: SignupEvent) => unknown | Promise<unknown>): Promise<number> {
  const round = async (count: number) => {
    const before = process.cpuUsage();
    for (let i = 0; i < count; i += 1) {
      const result = work(list[i % list.length] as SignupEvent);
      if (result instanceof Promise) await result;
    }
    const { user, system } = process.cpuUsage(before);
    return (user + system) / count;
  };
  await round(Math.min(EMAILS, 5_000));
  const figures: number[] = [];
  for (let r = 0; r < ROUNDS; r += 1) figures.push(await round(EMAILS));
  return figures.sort((a, b) => a - b)[Math.floor(figures.length / 2)] as number;
}

const shipped = loadWelcomeTemplates({ dir: '', defaultLocale: 'en', vars: {} });
const branded = loadWelcomeTemplates({
  dir: '',
  defaultLocale: 'en',
  vars: { product_name: 'Acme Cloud', support_email: 'help@acme.test', help_url: 'https://acme.test/start' },
});
const withTemplates = (templates: typeof shipped) => (event: SignupEvent) => renderWelcomeEmail(event, { ...SITE, templates });

const rows: Array<[string, number]> = [];
const en = events('en');
rows.push(['render, hard-coded English (before)', await cpuPerEmail(en, hardCoded)]);
rows.push(['render, templates: en', await cpuPerEmail(en, withTemplates(shipped))]);
rows.push(['render, templates: en + operator values', await cpuPerEmail(en, withTemplates(branded))]);
rows.push(['render, templates: fa (from fa-IR)', await cpuPerEmail(events('fa-IR'), withTemplates(shipped))]);
rows.push(['render, templates: ja (from ja-JP)', await cpuPerEmail(events('ja-JP'), withTemplates(shipped))]);
rows.push(['render + compose, hard-coded (before)', await cpuPerEmail(en, (event) => composeWelcomeEmail(hardCoded(event)))]);
rows.push(['render + compose, templates: en', await cpuPerEmail(en, (event) => composeWelcomeEmail(withTemplates(shipped)(event)))]);
rows.push(['render + compose, templates: fa', await cpuPerEmail(events('fa'), (event) => composeWelcomeEmail(withTemplates(shipped)(event)))]);

process.stdout.write(`CPU per email (median of ${ROUNDS} rounds × ${EMAILS} emails, Node ${process.versions.node})\n`);
for (const [label, us] of rows) process.stdout.write(`  ${label.padEnd(44)} ${us.toFixed(2).padStart(7)} µs\n`);
