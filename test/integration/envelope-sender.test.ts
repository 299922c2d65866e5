import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { afterAll, describe, expect, it } from 'vitest';

import { committedLag, produceEvents, serviceEnv, startApp, until, useAppWorld } from '../support/app-harness.js';
import { dkimTestKey } from '../support/dkim-key.js';

const ctx = useAppWorld();
const dir = mkdtempSync(path.join(tmpdir(), 'envelope-from-it-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('EMAIL_ENVELOPE_FROM (a bounce address tagged with the event), through a real broker and a real SMTP server', () => {
  it('MAIL FROM is bounces+<eventId>@…, From stays EMAIL_FROM, every email says Auto-Submitted: auto-generated, and DKIM still verifies', async () => {
    const { keyFile, resolver } = dkimTestKey(dir, { selector: 'it2026', domain: 'acme.test' });
    const ids = ['vp-1', 'vp-2', 'vp-3'];
    await produceEvents(ctx.world, ids);
    ctx.app = await startApp(
      serviceEnv(ctx.world, ctx.sink.port, {
        EMAIL_ENVELOPE_FROM: 'bounces+{eventId}@bounce.acme.test',
        DKIM_DOMAIN: 'acme.test',
        DKIM_SELECTOR: 'it2026',
        DKIM_PRIVATE_KEY_FILE: keyFile,
      }),
    );
    await ctx.sink.waitFor(ids.length, { timeoutMs: 30_000 });
    await until(async () => (await committedLag(ctx.world)) === 0, { what: 'committed lag 0' });
    expect(ctx.sink.received.map((mail) => [mail.messageId, mail.envelope.from]).sort()).toEqual(
      ids.map((id) => [`<${id}@acme.test>`, `bounces+${id}@bounce.acme.test`]),
    );
    for (const mail of ctx.sink.received) {
      const head = (mail.raw as Buffer).toString('utf8').split('\r\n\r\n')[0] ?? '';
      expect(head).toMatch(/^From: Acme <welcome@acme\.test>$/m);
      expect(head).toMatch(/^Auto-Submitted: auto-generated$/m);
      const { results } = await dkimVerify(mail.raw as Buffer, { resolver });
      // d=acme.test aligns with From (DMARC); the bounce domain is a subdomain, so SPF aligns in relaxed mode.
      expect(results[0]?.status?.result, mail.messageId).toBe('pass');
    }
  });
});
