#!/usr/bin/env node
/**
 * The service entry point: validate config (exit 2 with one line per bad variable), start, and
 * shut down gracefully on SIGTERM/SIGINT; a second signal exits at once.
 */
import { createApp } from '../src/app.js';
import { FatalStartupError } from '../src/delivery/smtp-verifier.js';
import { ConfigError, loadConfig, unknownServiceVariables, type Config } from '../src/platform/config.js';
import { createLogger } from '../src/platform/logger.js';

let config: Config;
try {
  config = loadConfig(process.env);
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`email-dispatcher: invalid configuration\n${err.problems.map((p) => `  ${p}`).join('\n')}\n`);
    process.exit(2);
  }
  throw err;
}

const logger = createLogger({ level: config.logLevel });
for (const variable of unknownServiceVariables(process.env)) {
  logger.warn({ variable }, 'environment variable not read by the service (a typo?); its default applies');
}
const app = createApp({ config, logger });

let signals = 0;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    signals += 1;
    if (signals > 1) {
      // Nothing unsettled was ever committed, so leaving now loses nothing: it is redelivered.
      logger.warn({ signal }, 'second signal: exiting immediately');
      process.exit(1);
    }
    logger.info({ signal }, 'signal received: graceful shutdown');
    // A watchdog past the drain budget: a client stuck connecting (broker down at startup) must not
    // outlive the pod's grace period. Exiting loses nothing: only settled offsets are ever committed.
    setTimeout(() => {
      logger.error({ afterMs: config.shutdownTimeoutMs + 10_000 }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 10_000).unref();
    void app.stop({ reason: signal });
  });
}

process.on('unhandledRejection', (reason) => {
  logger.fatal({ err: reason }, 'unhandled promise rejection; stopping');
  void app.stop({ exitCode: 1, reason: 'unhandled rejection' });
});

try {
  await app.start();
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  logger.fatal({ err: err instanceof FatalStartupError ? { message } : err }, `startup failed: ${message}`);
  await app.stop({ exitCode: 1, reason: 'startup failed' });
}

const code = await app.done;
logger.flush?.();
process.exitCode = code;
// KafkaJS and nodemailer may leave timers behind; the app has released everything it owns.
setTimeout(() => process.exit(code), 200).unref();
