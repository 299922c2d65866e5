import { describe, expect, it } from 'vitest';
import { produceEvents, serviceEnv, startApp, useAppWorld } from '../support/app-harness.js';

/**
 * The member's confirmed commits (`offset_commits_total{result="ok"}`) as they stood when the first
 * mail reached the SMTP server: the sink calls `onMail` before it answers, and prom-client reads a
 * counter's value synchronously when `get()` is called.
 */
let atFirstMail: Promise<number> | 'no app yet' | undefined;
let firstMailAt = 0;

const ctx = useAppWorld({
  partitions: 1,
  sink: {
    onMail: () => {
      firstMailAt ||= Date.now();
      atFirstMail ??= ctx.app ? ctx.app.metrics.commits.get().then((m) => m.values.find((v) => v.labels.result === 'ok')?.value ?? 0) : 'no app yet';
    },
  },
});

describe('a member that joins the group', () => {
  it('sends nothing from its assignment before a commit of the new generation was confirmed by the broker (the position it starts from)', async () => {
    atFirstMail = undefined;
    firstMailAt = 0;
    const ids = Array.from({ length: 20 }, (_, i) => `jc-${i}`);
    await produceEvents(ctx.world, ids);
    const logs: string[] = [];
    ctx.app = await startApp(serviceEnv(ctx.world, ctx.sink.port, { LOG_LEVEL: 'info' }), { logs });
    await ctx.sink.waitFor(ids.length, { timeoutMs: 30_000 });
    const joined = logs.map((line) => JSON.parse(line) as { msg?: string; time?: string }).find((l) => l.msg === 'joined consumer group');
    console.info(`join → first mail: ${firstMailAt - Date.parse(joined?.time ?? '')} ms`);
    expect(atFirstMail).not.toBe('no app yet');
    expect(await atFirstMail).toBeGreaterThanOrEqual(1);
  });
});
