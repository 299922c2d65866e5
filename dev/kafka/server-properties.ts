export interface ServerPropertiesOptions {
  port: number;
  controllerPort: number;
  dataDir: string;
  /** Default partition count of topics created without one. */
  partitions: number;
  /** Adds a SASL_PLAINTEXT listener (mechanism PLAIN) on this port, for the SASL tests. */
  sasl?: { port: number; users: Record<string, string> };
  /** Adds TLS listeners (SSL, or SASL_SSL with SCRAM), for the TLS tests. */
  tlsListeners?: readonly TlsListener[];
  /** One node of a local cluster (dev/kafka/cluster.ts) instead of a single node. @default single node */
  cluster?: ClusterNodeSettings;
}

/** What makes a node one of several: its id, the controller quorum and replicated internal topics. */
export interface ClusterNodeSettings {
  readonly nodeId: number;
  /** `controller.quorum.voters`, e.g. `1@127.0.0.1:29093,2@127.0.0.1:29095,3@127.0.0.1:29097`. */
  readonly voters: string;
  /** Default and internal topics' replication factor. */
  readonly replicationFactor: number;
  readonly minInsyncReplicas: number;
}

/** A TLS listener of the local broker; its certificates are PEM files (see dev/kafka/certificates.ts). */
export interface TlsListener {
  /** The listener's name in server.properties: upper-case letters, digits, `_` (not PLAINTEXT, CONTROLLER or SASL_PLAINTEXT). */
  readonly name: string;
  readonly port: number;
  /** The broker's private key, certificate and CA in one PEM file (`ssl.keystore.type=PEM`). */
  readonly keystore: string;
  /** Require a client certificate signed by a CA in this PEM file (`ssl.client.auth=required`). @default no client certificate */
  readonly clientCa?: string;
  /** SASL_SSL with SCRAM-SHA-256 and SCRAM-SHA-512 (users: `scramUsers` of ensureKafka) instead of SSL. @default false */
  readonly scram?: boolean;
}

const RESERVED_LISTENERS = new Set(['PLAINTEXT', 'CONTROLLER', 'SASL_PLAINTEXT']);

/**
 * A single-node KRaft broker that is its own controller, on loopback only. Replication factors are 1
 * because there is one node; auto-creation is off so a typo in a topic name fails like it would in
 * production instead of silently creating a topic.
 */
export function serverProperties({ port, controllerPort, dataDir, partitions, sasl, tlsListeners = [], cluster }: ServerPropertiesOptions): string {
  const settings: Record<string, string | number> = {
    'process.roles': 'broker,controller',
    'node.id': cluster?.nodeId ?? 1,
    'controller.quorum.voters': cluster?.voters ?? `1@127.0.0.1:${controllerPort}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'log.dirs': dataDir,
    'num.partitions': partitions,
    'auto.create.topics.enable': 'false',
    'offsets.topic.replication.factor': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    // Consumers in tests join one at a time; the 3 s default only slows every first join down.
    'group.initial.rebalance.delay.ms': 0,
  };
  if (cluster) {
    const { replicationFactor: rf, minInsyncReplicas: isr } = cluster;
    Object.assign(settings, {
      'default.replication.factor': rf,
      'min.insync.replicas': isr,
      'offsets.topic.replication.factor': rf,
      'transaction.state.log.replication.factor': rf,
      'transaction.state.log.min.isr': isr,
      'share.coordinator.state.topic.replication.factor': rf,
      'share.coordinator.state.topic.min.isr': isr,
      // A killed node is noticed within seconds, not the 9 s / 18 s defaults, so a fault's effect is short.
      'broker.session.timeout.ms': 4_000,
      'broker.heartbeat.interval.ms': 1_000,
      'replica.lag.time.max.ms': 10_000,
      // Leadership goes back to the preferred replica soon after a restart, as on a real cluster.
      'leader.imbalance.check.interval.seconds': 10,
      // Several nodes share one small machine: fewer threads each.
      'num.network.threads': 2,
      'num.io.threads': 2,
      'background.threads': 2,
      'num.replica.fetchers': 1,
      'log.cleaner.threads': 1,
    });
  }
  // PLAINTEXT stays first: listenerPort() reads the port of a running broker from it.
  const listeners: Array<[name: string, protocol: string, port: number]> = [['PLAINTEXT', 'PLAINTEXT', port]];
  if (sasl) {
    listeners.push(['SASL_PLAINTEXT', 'SASL_PLAINTEXT', sasl.port]);
    settings['sasl.enabled.mechanisms'] = 'PLAIN';
    const users = Object.entries(sasl.users)
      .map(([user, pass]) => `user_${user}="${pass}"`)
      .join(' ');
    settings['listener.name.sasl_plaintext.plain.sasl.jaas.config'] = `org.apache.kafka.common.security.plain.PlainLoginModule required ${users};`;
  }
  for (const listener of tlsListeners) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(listener.name) || RESERVED_LISTENERS.has(listener.name))
      throw new RangeError(`TLS listener name must be upper case and not reserved, got "${listener.name}"`);
    listeners.push([listener.name, listener.scram ? 'SASL_SSL' : 'SSL', listener.port]);
    Object.assign(settings, tlsListenerSettings(listener));
  }
  settings.listeners = [...listeners.map(([name, , p]) => `${name}://127.0.0.1:${p}`), `CONTROLLER://127.0.0.1:${controllerPort}`].join(',');
  settings['advertised.listeners'] = listeners.map(([name, , p]) => `${name}://127.0.0.1:${p}`).join(',');
  settings['listener.security.protocol.map'] = [...listeners.map(([name, protocol]) => `${name}:${protocol}`), 'CONTROLLER:PLAINTEXT'].join(',');
  const lines = Object.entries(settings).map(([key, value]) => `${key}=${value}`);
  return `# Written by dev/local-kafka.ts on every start; edits are overwritten.\n${lines.join('\n')}\n`;
}

const SCRAM_LOGIN = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';

/** The per-listener settings (`listener.name.<name>.…`) of one TLS listener. */
function tlsListenerSettings({ name, keystore, clientCa, scram }: TlsListener): Record<string, string> {
  const prefix = `listener.name.${name.toLowerCase()}.`;
  const settings: Record<string, string> = {
    [`${prefix}ssl.keystore.type`]: 'PEM',
    [`${prefix}ssl.keystore.location`]: keystore,
  };
  if (clientCa !== undefined) {
    settings[`${prefix}ssl.client.auth`] = 'required';
    settings[`${prefix}ssl.truststore.type`] = 'PEM';
    settings[`${prefix}ssl.truststore.location`] = clientCa;
  }
  if (scram) {
    settings[`${prefix}sasl.enabled.mechanisms`] = 'SCRAM-SHA-256,SCRAM-SHA-512';
    settings[`${prefix}scram-sha-256.sasl.jaas.config`] = SCRAM_LOGIN;
    settings[`${prefix}scram-sha-512.sasl.jaas.config`] = SCRAM_LOGIN;
  }
  return settings;
}

/** The PLAINTEXT port a written server.properties listens on, to tell which port a running broker uses. */
export function listenerPort(properties: string): number | undefined {
  const match = /^listeners=PLAINTEXT:\/\/[^:]+:(\d+)/m.exec(properties);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
