import { describe, expect, it } from 'vitest';

import { signupEvent } from '../../../dev/signup-event.js';
import { type SmtpSink, startSmtpSink } from '../../../dev/smtp-sink.js';
import { composeWelcomeEmail } from '../../../src/email/compose-welcome-email.js';
import { renderWelcomeEmail } from '../../../src/email/render-welcome-email.js';
import { createLogger } from '../../../src/platform/logger.js';
import { classifySmtpError } from '../../../src/smtp/errors.js';
import { createSmtpMailer, type Mailer } from '../../../src/smtp/mailer.js';
import { useCleanup } from '../../support/cleanup.js';
import { scratchDir, secretVolume } from '../platform/config/fixtures.js';

const SITE = { from: 'Acme <welcome@acme.test>', domain: 'acme.test' };
const OLD = 'Old-smtp-P4ss';
const NEW = 'New-smtp-P4ss';
const tmp = scratchDir('mailer-rotation');

const cleanup = useCleanup();

async function setup() {
  const sink = await startSmtpSink({ auth: { user: 'mailer', pass: OLD } });
  cleanup.push(() => sink.stop());
  // SMTP_PASS_FILE as a mounted Secret, rotated as the kubelet does.
  const secret = secretVolume(tmp, `${OLD}\n`);
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
  const mailer = createSmtpMailer({
    host: sink.host,
    port: sink.port,
    secure: false,
    requireTls: false,
    tlsRejectUnauthorized: true,
    user: 'mailer',
    pass: OLD,
    passFile: secret.file,
    logger,
    timeoutMs: 5_000,
    sendTimeoutMs: 10_000,
    connections: 2,
  });
  cleanup.push(() => mailer.close());
  return { sink, secret, mailer, lines };
}

let sent = 0;
async function send(mailer: Mailer): Promise<void> {
  const prepared = await composeWelcomeEmail(renderWelcomeEmail(signupEvent(`rot-${sent++}`), SITE));
  await mailer.send(prepared);
}

/** New connections from here on: what a server restart, an idle timeout or a new pod brings. */
function reconnect(sink: SmtpSink): void {
  sink.dropConnections();
}

describe('createSmtpMailer › SMTP_PASS_FILE rotated while running', () => {
  it('Secret first, server later › mail keeps flowing: one refused probe login for the new password, then the old one until the server takes the new', async () => {
    const { sink, secret, mailer, lines } = await setup();
    await mailer.verify();
    await send(mailer);

    secret.rotate(`${NEW}\n`);
    reconnect(sink);
    // Two sends wait for the same probe login; neither opens a pooled connection with the refused password.
    await Promise.all([send(mailer), send(mailer)]);
    expect(sink.authFailures).toBe(1);

    sink.setAuth({ user: 'mailer', pass: NEW });
    reconnect(sink);
    await send(mailer);
    await send(mailer);
    expect(sink.count).toBe(5);
    // The old password was refused once, by the first new connection; the new one is used since.
    expect(sink.authFailures).toBe(2);
    reconnect(sink);
    await mailer.verify();
    expect(sink.authFailures).toBe(2);
    expect(lines.join('\n')).not.toMatch(new RegExp(`${OLD}|${NEW}`));
    expect(lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual([
      'secret file changed; new connections use the new value',
      'SMTP refused the new password; new connections keep the previous one until the server takes it',
      'SMTP refused the previous password; trying the new one',
    ]);
  });

  it('server and Secret changed before the next connection › it logs in with the new password, no refusal', async () => {
    const { sink, secret, mailer } = await setup();
    await send(mailer);
    sink.setAuth({ user: 'mailer', pass: NEW });
    secret.rotate(`${NEW}\n`);
    reconnect(sink);
    await send(mailer);
    expect(sink.count).toBe(2);
    expect(sink.authFailures).toBe(0);
  });

  it('server changed but the Secret not yet › the old password is refused and nothing else is left: a fatal authentication failure', async () => {
    const { sink, mailer } = await setup();
    await send(mailer);
    sink.setAuth({ user: 'mailer', pass: NEW });
    reconnect(sink);
    const failure = await send(mailer).then(
      () => undefined,
      (err: unknown) => classifySmtpError(err),
    );
    expect(failure).toMatchObject({ kind: 'fatal', responseCode: 535 });
    expect(sink.authFailures).toBe(1);
  });

  it('a new password the server refuses while the old one is refused too › fatal after one try of each', async () => {
    const { sink, secret, mailer } = await setup();
    await mailer.verify();
    sink.setAuth({ user: 'mailer', pass: 'Neither-of-them' });
    secret.rotate(`${NEW}\n`);
    await expect(mailer.verify()).rejects.toMatchObject({ code: 'EAUTH' });
    expect(sink.authFailures).toBe(2);
  });
});
