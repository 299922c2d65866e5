import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { afterAll, describe, expect, it } from 'vitest';

import { committedLag, produceEvents, serviceEnv, startApp, until, useAppWorld } from '../support/app-harness.js';
import { dkimTestKey } from '../support/dkim-key.js';

const ctx = useAppWorld();
const dir = mkdtempSync(path.join(tmpdir(), 'dkim-it-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('DKIM signing in the service (DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY_FILE)', () => {
  it('every email the SMTP server receives carries a signature an independent verifier accepts with the published key', async () => {
    const { keyFile, resolver } = dkimTestKey(dir, { selector: 'it2026', domain: 'acme.test' });
    const ids = Array.from({ length: 12 }, (_, i) => `dk-${i}`);
    await produceEvents(ctx.world, ids);
    ctx.app = await startApp(serviceEnv(ctx.world, ctx.sink.port, { DKIM_DOMAIN: 'acme.test', DKIM_SELECTOR: 'it2026', DKIM_PRIVATE_KEY_FILE: keyFile }));
    await ctx.sink.waitFor(ids.length, { timeoutMs: 30_000 });
    await until(async () => (await committedLag(ctx.world)) === 0, { what: 'committed lag 0' });
    for (const mail of ctx.sink.received) {
      const { results } = await dkimVerify(mail.raw as Buffer, { resolver });
      expect(results[0]?.status?.result, mail.messageId).toBe('pass');
    }
  });
});
