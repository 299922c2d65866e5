import convict from 'convict';

/**
 * The value formats of the configuration schema (registered with convict once, on import): each says
 * what it expects in words an operator can act on, never echoing the value.
 */
const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:]+\]:\d{1,5}$/;
// `Name <local@domain>` or a bare address; the domain is needed for deterministic Message-IDs.
/** A bare dot-atom address with an LDH host name (what EMAIL_ENVELOPE_FROM may be, its tag filled in). */
const ENVELOPE_FROM =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
export const FROM = /^(?:[^<>\r\n]*<[^<>@\s"]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)>|[^<>@\s"]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+))$/;

function splitList(value: unknown): unknown {
  return typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0)
    : value;
}

/** A value format: `coerce` turns the variable's text into the value, `validate` throws an operator-facing message. */
export interface ValueFormat {
  validate(value: unknown): void;
  coerce?(value: unknown): unknown;
}

const toInt = (v: unknown) => (typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : typeof v === 'string' ? Number.NaN : v);

/** Our formats by name; the config loader runs them itself, so problems never come from convict's message text. */
export const FORMATS: Record<string, ValueFormat> = {
  'broker-list': {
    validate(value: unknown) {
      if (!Array.isArray(value) || value.length === 0) throw new Error('expected a comma-separated list of host:port, e.g. "kafka-0:9092,kafka-1:9092"');
      for (const item of value) {
        if (typeof item !== 'string' || !HOST_PORT.test(item)) throw new Error('expected host:port entries, e.g. "kafka-0:9092,kafka-1:9092"');
      }
    },
    coerce: splitList,
  },
  'duration-list': {
    validate(value: unknown) {
      if (!Array.isArray(value) || value.length === 0 || value.some((n) => !Number.isInteger(n) || n < 0)) {
        throw new Error('expected a comma-separated list of non-negative integer milliseconds, e.g. "1000,5000,10000"');
      }
    },
    coerce: (value: unknown) => {
      const list = splitList(value);
      return Array.isArray(list) ? list.map((s) => (/^\d+$/.test(String(s)) ? Number(s) : Number.NaN)) : list;
    },
  },
  'nonempty-string': {
    validate(value: unknown) {
      if (typeof value !== 'string' || value.trim() === '') throw new Error('is required and must not be empty');
    },
  },
  'from-address': {
    validate(value: unknown) {
      if (typeof value !== 'string' || !FROM.test(value)) throw new Error('expected an address like "Acme <welcome@acme.test>" or "welcome@acme.test"');
    },
  },
  'envelope-from': {
    validate(value: unknown) {
      if (value === '') return;
      const filled = typeof value === 'string' && value.split('{eventId}').length <= 2 ? value.replace('{eventId}', 'x') : undefined;
      if (filled === undefined || !ENVELOPE_FROM.test(filled))
        throw new Error(
          'expected an ASCII address, "{eventId}" at most once in its local part, like "bounces+{eventId}@bounce.acme.test" (or empty: the address of EMAIL_FROM)',
        );
    },
  },
  'positive-int': {
    validate(value: unknown) {
      if (!Number.isSafeInteger(value) || (value as number) < 1) throw new Error('expected an integer >= 1');
    },
    coerce: toInt,
  },
  'non-negative-int': {
    validate(value: unknown) {
      if (!Number.isSafeInteger(value) || (value as number) < 0) throw new Error('expected an integer >= 0');
    },
    coerce: toInt,
  },
  'tcp-port': {
    validate(value: unknown) {
      if (!Number.isSafeInteger(value) || (value as number) < 0 || (value as number) > 65_535) throw new Error('expected a port number from 0 to 65535');
    },
    coerce: toInt,
  },
};

convict.addFormats(FORMATS as Parameters<typeof convict.addFormats>[0]);
