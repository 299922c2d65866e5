import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { startSmtpSink } from '../../../dev/smtp-sink.js';
import { buildClients } from '../../../src/composition/build-clients.js';
import { loadConfig } from '../../../src/platform/config/config.js';
import { createLogger } from '../../../src/platform/logger.js';
import { createMetrics } from '../../../src/platform/metrics.js';
import { useCleanup } from '../../support/cleanup.js';
import { REQUIRED, scratchDir, secretVolume } from '../platform/config/fixtures.js';

const OLD = 'Old-fallback-P4ss';
const NEW = 'New-fallback-P4ss';
const tmp = scratchDir('build-clients');
const cleanup = useCleanup();

describe('buildClients › the fallback relay', () => {
  it('SMTP_FALLBACK_PASS_FILE rotated while running › the fallback logs in with the new password, the change logged by its variable, never its value', async () => {
    const relay = await startSmtpSink({ auth: { user: 'mailer', pass: OLD } });
    cleanup.push(() => relay.stop());
    const secret = secretVolume(tmp, `${OLD}\n`);
    const config = loadConfig({
      ...REQUIRED,
      SMTP_FALLBACK_HOST: relay.host,
      SMTP_FALLBACK_PORT: String(relay.port),
      SMTP_FALLBACK_USER: 'mailer',
      SMTP_FALLBACK_PASS_FILE: secret.file,
    });
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
    const { fallbackMailer } = buildClients(config, logger, createMetrics({ registry: new Registry(), defaults: false }), {});
    cleanup.push(() => fallbackMailer?.close());
    await fallbackMailer!.verify();

    relay.setAuth({ user: 'mailer', pass: NEW });
    secret.rotate(`${NEW}\n`);
    await fallbackMailer!.verify();
    expect(relay.authFailures).toBeLessThanOrEqual(1);
    expect(lines.join('\n')).toContain('SMTP_FALLBACK_PASS_FILE');
    expect(lines.join('\n')).not.toMatch(new RegExp(`${OLD}|${NEW}`));
  });
});
