#!/usr/bin/env node
/**
 * The service entry point: validate config (exit 2 with one line per bad variable), start, and
 * shut down gracefully on SIGTERM/SIGINT; a second signal exits at once.
 */
import { createApp } from '../src/app.js';
import { checkTlsFiles, loadConfig, unknownServiceVariables } from '../src/platform/config/config.js';
import type { Config } from '../src/platform/config/schema.js';
import { securityWarnings } from '../src/platform/config/warnings.js';
import { checkConfiguredKafkaTls } from '../src/platform/kafka/tls-check.js';
import { createLogger } from '../src/platform/logger.js';
import { ConfigError } from '../src/platform/service-error.js';
import { explainsItself } from '../src/platform/startup-failure.js';

function reportInvalid(err: ConfigError): void {
  process.stderr.write(`email-dispatcher: invalid configuration\n${err.problems.map((p) => `  ${p}`).join('\n')}\n`);
}

/** Runs a start-up step; a ConfigError stops the process: exit 2, one line per problem, no stack trace. */
function configured<T>(step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (err instanceof ConfigError) {
      reportInvalid(err);
      process.exit(2);
    }
    throw err;
  }
}

const config: Config = configured(() => loadConfig(process.env));
configured(() => checkTlsFiles(config));

const logger = createLogger({ level: config.logLevel });
for (const variable of unknownServiceVariables(process.env)) {
  logger.warn({ variable }, 'environment variable not read by the service (a typo?); its default applies');
}
for (const { variable, message } of securityWarnings(config)) logger.warn({ variable }, message);
// createApp checks and compiles the email templates before anything connects: a bad one is exit 2 too.
const app = configured(() => createApp({ config, logger }));

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
  // KafkaJS would retry a broker certificate that does not verify for minutes: refuse it now, in one line.
  await checkConfiguredKafkaTls(config);
  await app.start();
} catch (err) {
  if (err instanceof ConfigError) {
    // Found against the brokers (a topic that does not exist): a deployment to fix, like a bad variable.
    reportInvalid(err);
    await app.stop({ exitCode: 2, reason: 'invalid configuration' });
  } else {
    const message = err instanceof Error ? err.message : String(err);
    logger.fatal(explainsItself(err) ? { code: (err as { code?: unknown }).code } : { err }, `startup failed: ${message}`);
    await app.stop({ exitCode: 1, reason: 'startup failed' });
  }
}

const code = await app.done;
logger.flush?.();
process.exitCode = code;
// KafkaJS and nodemailer may leave timers behind; the app has released everything it owns.
setTimeout(() => process.exit(code), 200).unref();
