import { isIP } from 'node:net';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';

import type { Config } from '../config/schema.js';
import { ServiceError } from '../service-error.js';
import { tlsRefusal } from '../tls-errors.js';
import { kafkaTlsOptions } from './client-config.js';

export interface KafkaTlsCheckOptions {
  /** `host:port` bootstrap brokers (KAFKA_BROKERS). */
  readonly brokers: readonly string[];
  /** The TLS options KafkaJS gets (`kafkaTlsOptions`). */
  readonly tls: ConnectionOptions;
  /** Per broker; a broker that does not answer in time is left to KafkaJS's retries. @default 10_000 */
  readonly timeoutMs?: number;
}

/**
 * Connects to each bootstrap broker the way KafkaJS will and sends one ApiVersions request. KafkaJS
 * treats a TLS failure like any connection error and retries it for minutes; but a certificate that
 * does not verify (unknown CA, another host's name) or a client certificate the broker refuses never
 * gets better by retrying, so the start fails at once, naming the broker and what to check. With TLS
 * 1.3 the broker refuses a client certificate only after the handshake, hence the request. A broker
 * that is down or slow is no verdict: KafkaJS handles it as before.
 *
 * @throws ServiceError `ERR_FATAL_STARTUP` (one line, no secret)
 */
export async function checkKafkaTls({ brokers, tls, timeoutMs = 10_000 }: KafkaTlsCheckOptions): Promise<void> {
  const verdicts = await Promise.all(brokers.map((broker) => probe(broker, tls, timeoutMs)));
  const refused = verdicts.find((verdict) => verdict !== undefined);
  if (refused) throw new ServiceError('ERR_FATAL_STARTUP', refused.message, { cause: refused.cause });
}

/** `checkKafkaTls` for the configured brokers when KAFKA_SSL is on (the service and the redrive CLI, before their clients connect). */
export async function checkConfiguredKafkaTls(config: Config): Promise<void> {
  const tls = kafkaTlsOptions(config);
  if (tls) await checkKafkaTls({ brokers: config.kafka.brokers, tls });
}

interface Refused {
  readonly message: string;
  readonly cause: unknown;
}

function probe(broker: string, tls: ConnectionOptions, timeoutMs: number): Promise<Refused | undefined> {
  const split = broker.lastIndexOf(':');
  const host = broker.slice(0, split).replace(/^\[(.*)\]$/, '$1');
  const port = Number(broker.slice(split + 1));
  return new Promise((resolve) => {
    // As KafkaJS's socket factory does: SNI only for names, the host checked against the certificate either way.
    const socket: TLSSocket = connect({ host, port, ...(isIP(host) ? {} : { servername: host }), ...tls }, () => socket.write(API_VERSIONS_REQUEST));
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    const finish = (verdict: Refused | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(verdict);
    };
    socket.once('data', () => finish(undefined));
    socket.once('close', () => finish(undefined));
    socket.once('error', (err: NodeJS.ErrnoException & { reason?: string }) => {
      // Node's own verify errors say it in `message`; OpenSSL's alerts in `reason` (their message is a multi-line dump).
      const said = (text: string) => text.trim().replace(/\s+/g, ' ').replace(/:$/, '');
      switch (tlsRefusal(err.code)) {
        case 'server-certificate':
          return finish({
            cause: err,
            message: `Kafka broker ${broker}: its TLS certificate does not verify (${said(err.message)}); check KAFKA_SSL_CA_FILE and that KAFKA_BROKERS names a host the certificate is for`,
          });
        case 'client-certificate':
          return finish({
            cause: err,
            message: `Kafka broker ${broker} refused the client certificate (${said(err.reason ?? err.message)}); check KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE`,
          });
        case undefined:
          return finish(undefined);
      }
    });
  });
}

/** ApiVersions v0 (api key 18), correlation id 1: the one request a broker answers before authentication. */
const API_VERSIONS_REQUEST = (() => {
  const clientId = Buffer.from('email-dispatcher-tls-check');
  const body = Buffer.alloc(10 + clientId.length);
  body.writeInt16BE(18, 0);
  body.writeInt16BE(0, 2);
  body.writeInt32BE(1, 4);
  body.writeInt16BE(clientId.length, 8);
  clientId.copy(body, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
})();
