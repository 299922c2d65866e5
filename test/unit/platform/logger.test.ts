import { describe, expect, it } from 'vitest';

import { createLogger, scrubAddresses } from '../../../src/platform/logger.js';

const ADDRESS = 'ada.lovelace@example.test';

/** A logger writing into an array, one parsed JSON object per line. */
function capture(level = 'info') {
  const lines: string[] = [];
  const logger = createLogger({ level, destination: { write: (chunk: string) => void lines.push(chunk) } });
  const records = () => lines.flatMap((chunk) => chunk.split('\n').filter(Boolean)).map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, records };
}

describe('createLogger', () => {
  it('writes one JSON line per record, with service, level label, ISO time and message', () => {
    const { logger, lines, records } = capture();
    logger.info({ eventId: 'evt-1' }, 'sent');
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith('\n')).toBe(true);
    expect(records()[0]).toMatchObject({ level: 'info', service: 'email-dispatcher', eventId: 'evt-1', msg: 'sent' });
    expect(new Date(records()[0]?.time as string).toISOString()).toBe(records()[0]?.time);
  });

  it('drops records below the level', () => {
    const { logger, records } = capture('warn');
    logger.info('hidden');
    logger.warn('shown');
    expect(records().map((r) => r.msg)).toEqual(['shown']);
  });

  describe('redaction', () => {
    it.each([
      ['email', { email: ADDRESS }],
      ['to', { to: ADDRESS }],
      ['address', { address: ADDRESS }],
      ['password', { password: 'hunter2' }],
      ['pass', { pass: 'hunter2' }],
      ['auth', { auth: { user: 'u', pass: 'hunter2' } }],
      ['redisUrl', { redisUrl: 'redis://:hunter2@redis:6379' }],
      ['saslPassword', { saslPassword: 'hunter2' }],
    ])('a top-level %s is redacted', (key, fields) => {
      const { logger, lines, records } = capture();
      logger.info(fields, 'x');
      expect(records()[0]?.[key]).toBe('[redacted]');
      expect(lines.join('')).not.toContain(ADDRESS);
      expect(lines.join('')).not.toContain('hunter2');
    });

    it.each([
      ['user.email', { user: { id: 'u-1', email: ADDRESS } }],
      ['recipient.email', { recipient: { email: ADDRESS, kind: 'user' } }],
      ['mail.to', { mail: { to: ADDRESS, subject: 'Welcome' } }],
      ['smtp.pass', { smtp: { host: 'smtp', pass: 'hunter2' } }],
      ['config.password', { config: { password: 'hunter2' } }],
      ['kafka.sasl', { kafka: { sasl: { password: 'hunter2' } } }],
    ])('a nested %s is redacted and its siblings kept', (path, fields) => {
      const { logger, lines, records } = capture();
      logger.info(fields, 'x');
      const [parent, key] = path.split('.') as [string, string];
      const nested = records()[0]?.[parent] as Record<string, unknown>;
      expect(nested[key]).toBe('[redacted]');
      expect(Object.keys(nested).sort()).toEqual(Object.keys((fields as Record<string, object>)[parent] ?? {}).sort());
      expect(lines.join('')).not.toContain(ADDRESS);
      expect(lines.join('')).not.toContain('hunter2');
    });

    it('redacts in child loggers too', () => {
      const { logger, lines } = capture();
      logger.child({ component: 'dispatcher' }).warn({ to: ADDRESS, user: { email: ADDRESS } }, 'failed');
      expect(lines.join('')).not.toContain(ADDRESS);
      expect(lines.join('')).toContain('"component":"dispatcher"');
    });

    it("redacts a child logger's bindings", () => {
      const { logger, lines } = capture();
      logger.child({ to: ADDRESS, user: { email: ADDRESS } }).info('bound');
      expect(lines.join('')).not.toContain(ADDRESS);
    });

    it('redacts user.email one level further down (event.user.email)', () => {
      const { logger, lines, records } = capture();
      logger.info({ event: { eventId: 'evt-1', user: { id: 'u-1', email: ADDRESS } } }, 'x');
      expect(records()[0]?.event).toEqual({ eventId: 'evt-1', user: { id: 'u-1', email: '[redacted]' } });
      expect(lines.join('')).not.toContain(ADDRESS);
    });

    it('keeps fields that are not sensitive', () => {
      const { logger, records } = capture();
      logger.info({ eventId: 'evt-1', attempts: 2, relay: 'primary' }, 'x');
      expect(records()[0]).toMatchObject({ eventId: 'evt-1', attempts: 2, relay: 'primary' });
    });
  });
});

describe('scrubAddresses', () => {
  it.each([
    ['550 5.1.1 <bob@example.test>: no such user', '550 5.1.1 <[address]>: no such user'],
    ['to=bob@example.test, from=carol@example.test', '[address], [address]'],
    ['"bob@example.test"', '"[address]"'],
    ["('bob+tag@example.test')", "('[address]')"],
    ['rcpt:bob@example.test;x', 'rcpt:[address];x'],
  ])('%s › %s', (input, output) => {
    expect(scrubAddresses(input)).toBe(output);
  });

  it('leaves text without addresses alone', () => {
    expect(scrubAddresses('421 4.3.2 service shutting down')).toBe('421 4.3.2 service shutting down');
  });
});
