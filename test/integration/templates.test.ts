import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { simpleParser } from 'mailparser';
import { afterAll, describe, expect, it } from 'vitest';

import { signupEvent } from '../../dev/signup-event.js';
import { committedLag, metricValue, produceRaw, readDlq, serviceEnv, startApp, until, useAppWorld } from '../support/app-harness.js';
import { startService } from '../support/service-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the shipped templates, with some files replaced: an operator's EMAIL_TEMPLATES_DIR. */
function operatorTemplates(changes: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'operator-templates-'));
  dirs.push(dir);
  cpSync(path.join(ROOT, 'templates'), dir, { recursive: true });
  for (const [file, content] of Object.entries(changes)) writeFileSync(path.join(dir, file), content);
  return dir;
}

const ctx = useAppWorld();

describe('operator templates on a real broker and SMTP server', () => {
  it('sends each user the email in their language, from the operator\u2019s folder and values, and counts it by locale', async () => {
    const templates = operatorTemplates({
      'welcome/en/subject.hbs': '{{#if name}}{{name}}, your {{vars.product_name}} account is ready{{else}}Your {{vars.product_name}} account is ready{{/if}}\n',
    });
    const users = [
      ['t-de', 'de-AT', 'Jürgen', 'Willkommen, Jürgen!'],
      ['t-fa', 'fa', 'مریم', 'خوش آمدید، مریم!'],
      ['t-ja', 'ja-JP', '山田', '山田さん、ようこそ！'],
      ['t-pt', 'pt_BR', 'João', 'Boas-vindas, João!'],
      ['t-it', 'it', 'Ada <b>', 'Ada <b>, your Acme Cloud account is ready'],
      ['t-none', undefined, undefined, 'Your Acme Cloud account is ready'],
    ] as const;
    await produceRaw(
      ctx.world,
      users.map(([id, locale, name]) => ({
        key: id,
        value: JSON.stringify(signupEvent(id, { user: { id, email: `${id}@example.test`, ...(name ? { name } : {}), ...(locale ? { locale } : {}) } })),
      })),
    );
    ctx.app = await startApp(serviceEnv(ctx.world, ctx.sink.port, { EMAIL_TEMPLATES_DIR: templates, EMAIL_TEMPLATE_VARS_PRODUCT_NAME: 'Acme Cloud' }));
    await ctx.sink.waitFor(users.length, { timeoutMs: 30_000 });
    await until(async () => (await committedLag(ctx.world)) === 0, { what: 'committed lag 0' });

    const mailOf = (id: string) => ctx.sink.received.find((m) => m.messageId === `<${id}@acme.test>`);
    expect(users.map(([id]) => mailOf(id)?.subject)).toEqual(users.map(([, , , subject]) => subject));
    expect(mailOf('t-fa')?.html).toContain('<html dir="rtl" lang="fa">');
    expect(mailOf('t-de')?.html).toContain('<html dir="ltr" lang="de">');
    expect(mailOf('t-de')?.text).toContain('Vielen Dank für Ihre Registrierung bei Acme Cloud.');
    expect(mailOf('t-it')?.html).toContain('<h1>Welcome, Ada &lt;b&gt;!</h1>');
    expect(mailOf('t-it')?.envelope.to).toEqual(['t-it@example.test']);
    for (const [locale, count] of [
      ['de', 1],
      ['fa', 1],
      ['ja', 1],
      ['pt-BR', 1],
      ['en', 2],
      ['es', 0],
      ['fr', 0],
    ] as const) {
      expect(await metricValue(ctx.app, 'email_dispatcher_emails_rendered_total', { locale }), locale).toBe(count);
    }
    expect(await metricValue(ctx.app, 'email_dispatcher_emails_sent_total')).toBe(users.length);
  });

  it('when a template names an unknown variable › the service stops at start (exit 2, file and line) and dead-letters nothing', async () => {
    const templates = operatorTemplates({ 'welcome/de/html.hbs': '{{#> layout}}\n<h1>Hallo {{nmae}}</h1>\n{{/layout}}\n' });
    await produceRaw(ctx.world, [{ key: 'bad-1', value: JSON.stringify(signupEvent('bad-1')) }]);
    const service = startService(serviceEnv(ctx.world, ctx.sink.port, { EMAIL_TEMPLATES_DIR: templates }));
    expect(await service.exited).toBe(2);
    expect(service.lines).toEqual([
      'email-dispatcher: invalid configuration',
      `  EMAIL_TEMPLATES_DIR: ${templates}/welcome/de/html.hbs:2: unknown variable "nmae" (known: dir, email, locale, name, subject, vars.help_url, vars.product_name, vars.support_email)`,
    ]);
    expect(await readDlq(ctx.world, { expect: 1, timeoutMs: 3_000 })).toEqual([]);
    expect(await committedLag(ctx.world)).toBe(1);
    expect(ctx.sink.count).toBe(0);
  }, 60_000);
});

describe('npm run preview', () => {
  const run = promisify(execFile);
  const preview = (args: string[]) =>
    run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cmd', 'preview.ts'), ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' } });

  it('--locale fa --name … › writes the .eml the service would send and its .html, right to left', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'preview-'));
    dirs.push(out);
    const { stdout } = await preview(['--locale', 'fa-IR', '--name', 'مریم', '--out', out, '--var', 'product_name=Acme']);
    expect(stdout).toContain(`fa (for fa-IR): خوش آمدید، مریم!\n  ${out}/welcome-fa.eml\n  ${out}/welcome-fa.html\n`);
    const html = readFileSync(path.join(out, 'welcome-fa.html'), 'utf8');
    expect(html).toContain('<html dir="rtl" lang="fa">');
    const mail = await simpleParser(readFileSync(path.join(out, 'welcome-fa.eml')));
    expect(mail.subject).toBe('خوش آمدید، مریم!');
    expect(mail.messageId).toBe('<preview-0001@example.com>');
    expect(mail.html).toBe(html);
    expect(mail.text).toContain('در Acme');
  }, 30_000);

  it('without --set › every template set: the welcome email and the verification email with its link', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'preview-'));
    dirs.push(out);
    const { stdout } = await preview(['--locale', 'de', '--out', out, '--data', 'verificationUrl=https://acme.test/verify?t=1']);
    expect(stdout).toBe(
      `welcome (user.signed_up):\nde: Willkommen!\n  ${out}/welcome-de.eml\n  ${out}/welcome-de.html\n` +
        `verify-email (user.email_verification_requested):\nde: Bestätigen Sie Ihre E-Mail-Adresse\n  ${out}/verify-email-de.eml\n  ${out}/verify-email-de.html\n`,
    );
    const mail = await simpleParser(readFileSync(path.join(out, 'verify-email-de.eml')));
    expect(mail.text).toContain('\nhttps://acme.test/verify?t=1\n');
    expect(mail.html).toContain('href="https://acme.test/verify?t&#x3D;1"');
  }, 30_000);

  it('with a template the service would refuse › exit 2, naming the file and line', async () => {
    const templates = operatorTemplates({ 'welcome/en/text.hbs': 'Hi\n{{#each vars}}x{{/each}}\n' });
    const failure = await preview(['--templates-dir', templates, '--locale', 'en']).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain(`EMAIL_TEMPLATES_DIR: ${templates}/welcome/en/text.hbs:2: {{#each}} is not available`);
  }, 30_000);
});
