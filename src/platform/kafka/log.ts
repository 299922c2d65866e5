import { type logCreator, logLevel } from 'kafkajs';
import type { Logger } from 'pino';

/** Routes KafkaJS logs into the service's pino logger. */
export function kafkaLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _t, logger: _l, ...extra } = log as { message: string; timestamp?: string; logger?: string; [k: string]: unknown };
      const bindings = { kafkajs: namespace, ...extra };
      switch (level) {
        case logLevel.ERROR:
        case logLevel.NOTHING:
          logger.error(bindings, message);
          break;
        case logLevel.WARN:
          logger.warn(bindings, message);
          break;
        case logLevel.INFO:
          logger.info(bindings, message);
          break;
        default:
          logger.debug(bindings, message);
      }
    };
}
