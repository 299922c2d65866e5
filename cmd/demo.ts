/**
 * npm run demo [-- --events N] [-- --once]
 *
 * The whole job on the embedded local stack: starts (or reuses) the local Kafka broker, creates the
 * topics, starts the local SMTP sink and the service, publishes sample sign-up events (and one
 * invalid event, to show the DLQ), and prints each email as it arrives. Ctrl-C stops everything it
 * started, in order, and leaves no process or port behind. `--once` stops by itself once every
 * sample was delivered or dead-lettered (CI uses it).
 *
 * Environment: LOCAL_KAFKA_* (see cmd/local-kafka.ts), SMTP_SINK_PORT (2525), HTTP_PORT (9464).
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { Kafka, logLevel, Partitioners } from 'kafkajs';

import { createTopics, ensureKafka, type LocalKafka, LocalKafkaError, localKafkaOptionsFromEnv } from '../dev/local-kafka.js';
import { type ServiceProcess, spawnService } from '../dev/service-process.js';
import { signupEvent } from '../dev/signup-event.js';
import { type SmtpSink, startSmtpSink } from '../dev/smtp-sink.js';
import { fixKafkaJsNegativeTimeout } from '../src/platform/kafka/kafkajs-negative-timeout.js';

// Node 24 warns about a negative timer in KafkaJS 2.2.4 on every connection (tulios/kafkajs#1751).
fixKafkaJsNegativeTimeout();

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values: flags } = parseArgs({ options: { events: { type: 'string', default: '5' }, once: { type: 'boolean', default: false } } });
const eventCount = Number(flags.events);
if (!Number.isInteger(eventCount) || eventCount < 1 || eventCount > 10_000) {
  console.error('demo: --events must be an integer from 1 to 10000');
  process.exit(2);
}

const TOPIC = 'user-signups';
const DLQ_TOPIC = 'user-signups.dlq';
const SAMPLE_NAMES = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Edsger Dijkstra', 'Barbara Liskov', 'Donald Knuth', 'Margaret Hamilton'];
const say = (line: string) => console.log(`demo: ${line}`);
const abort = new AbortController();

let kafka: LocalKafka | undefined;
let sink: SmtpSink | undefined;
let service: ServiceProcess | undefined;
let serviceExited = false;
let stopping: Promise<void> | undefined;

function stop(reason: string): Promise<void> {
  stopping ??= (async () => {
    say(`stopping (${reason})…`);
    abort.abort();
    if (service && !serviceExited) {
      const code = await service.stop();
      say(`service stopped (exit ${code})`);
    }
    await sink?.stop();
    if (kafka?.startedHere) {
      await kafka.stop();
      say('local Kafka stopped');
    } else if (kafka) {
      say('local Kafka was already running before the demo; left running (npm run kafka -- stop)');
    }
  })();
  return stopping;
}

process.on('SIGINT', () => {
  if (stopping) process.exit(130);
  void stop('Ctrl-C').then(() => process.exit(0));
});
process.on('SIGTERM', () => void stop('SIGTERM').then(() => process.exit(0)));

async function main(): Promise<void> {
  const kafkaOptions = localKafkaOptionsFromEnv(process.env);
  kafka = await ensureKafka({ ...kafkaOptions, signal: abort.signal, log: say });
  await createTopics({
    brokers: kafka.brokers,
    topics: [
      { name: TOPIC, partitions: 6 },
      { name: DLQ_TOPIC, partitions: 6 },
    ],
    signal: abort.signal,
  });
  say(`topics ${TOPIC} and ${DLQ_TOPIC} ready on ${kafka.brokers.join(',')}`);

  const sampleIds = new Set<string>();
  sink = await startSmtpSink({
    port: Number(process.env.SMTP_SINK_PORT ?? 2525),
    onMail: (mail) => {
      // A local sink with sample addresses: printing the recipient here is the point of the demo.
      console.log(`  ✉  ${mail.receivedAt.toISOString()}  to ${mail.envelope.to.join(', ')}  "${mail.subject ?? ''}"  ${mail.messageId ?? ''}`);
    },
  });
  say(`SMTP sink listening on 127.0.0.1:${sink.port}`);
  say(
    `one test email through it: SMTP_HOST=127.0.0.1 SMTP_PORT=${sink.port} EMAIL_FROM='Acme <welcome@acme.test>' npm run send-test -- --to someone@example.test`,
  );

  const logFile = path.join(ROOT, '.local', 'demo', 'service.log');
  const httpPort = process.env.HTTP_PORT ?? '9464';
  service = spawnService({
    projectRoot: ROOT,
    entry: 'source',
    logFile,
    env: {
      ...process.env,
      KAFKA_BROKERS: kafka.brokers.join(','),
      KAFKA_TOPIC: TOPIC,
      KAFKA_DLQ_TOPIC: DLQ_TOPIC,
      KAFKA_GROUP_ID: 'email-dispatcher',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(sink.port),
      EMAIL_FROM: 'Acme <welcome@acme.test>',
      HTTP_PORT: httpPort,
    },
  });
  void service.exited.then((code) => {
    serviceExited = true;
    if (!stopping) {
      say(`service exited unexpectedly (exit ${code}); see ${logFile}`);
      void stop('service exited').then(() => process.exit(1));
    }
  });
  say(`service started (pid ${service.pid}); logs in ${path.relative(ROOT, logFile)}; metrics on http://127.0.0.1:${httpPort}/metrics`);

  const client = new Kafka({ clientId: 'demo-producer', brokers: kafka.brokers, logLevel: logLevel.NOTHING });
  // Idempotent: a retried send after a leader change must not write the samples twice.
  const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const run = randomUUID().slice(0, 8);
  const messages = Array.from({ length: eventCount }, (_, i) => {
    const name = SAMPLE_NAMES[i % SAMPLE_NAMES.length] as string;
    const eventId = `demo-${run}-${i + 1}`;
    sampleIds.add(`<${eventId}@acme.test>`);
    const event = signupEvent(eventId, { user: { id: `user-${run}-${i + 1}`, email: `${name.split(' ')[0]?.toLowerCase()}.${i + 1}@example.test`, name } });
    return { key: event.user.id, value: JSON.stringify(event) };
  });
  await producer.send({ topic: TOPIC, acks: -1, messages: [...messages, { key: `user-${run}-bad`, value: '{"this is": "not a sign-up event"}' }] });
  await producer.disconnect();
  say(`published ${eventCount} sign-up event(s) and 1 invalid event to ${TOPIC}; waiting for the emails…`);

  const deadline = Date.now() + 120_000;
  while ([...sampleIds].some((id) => !sink?.seen(id))) {
    if (abort.signal.aborted) return;
    if (Date.now() > deadline) throw new Error(`not every sample arrived within 120 s; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  say(`all ${eventCount} email(s) delivered; the invalid event went to ${DLQ_TOPIC} (reason invalid_event).`);
  if (flags.once) {
    await stop('--once');
    return;
  }
  say('running; publish more events to user-signups, or press Ctrl-C to stop everything.');
}

main().catch(async (err: unknown) => {
  const message = err instanceof LocalKafkaError || err instanceof Error ? err.message : String(err);
  console.error(`demo: ${message}`);
  await stop('error');
  process.exit(1);
});
