export interface ServerPropertiesOptions {
  port: number;
  controllerPort: number;
  dataDir: string;
  /** Default partition count of topics created without one. */
  partitions: number;
  /** Adds a SASL_PLAINTEXT listener (mechanism PLAIN) on this port, for the SASL tests. */
  sasl?: { port: number; users: Record<string, string> };
}

/**
 * A single-node KRaft broker that is its own controller, on loopback only. Replication factors are 1
 * because there is one node; auto-creation is off so a typo in a topic name fails like it would in
 * production instead of silently creating a topic.
 */
export function serverProperties({ port, controllerPort, dataDir, partitions, sasl }: ServerPropertiesOptions): string {
  const settings: Record<string, string | number> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
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
  if (sasl) {
    settings.listeners = `PLAINTEXT://127.0.0.1:${port},SASL_PLAINTEXT://127.0.0.1:${sasl.port},CONTROLLER://127.0.0.1:${controllerPort}`;
    settings['advertised.listeners'] = `PLAINTEXT://127.0.0.1:${port},SASL_PLAINTEXT://127.0.0.1:${sasl.port}`;
    settings['listener.security.protocol.map'] = 'PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT';
    settings['sasl.enabled.mechanisms'] = 'PLAIN';
    const users = Object.entries(sasl.users).map(([user, pass]) => `user_${user}="${pass}"`).join(' ');
    settings['listener.name.sasl_plaintext.plain.sasl.jaas.config'] = `org.apache.kafka.common.security.plain.PlainLoginModule required ${users};`;
  }
  const lines = Object.entries(settings).map(([key, value]) => `${key}=${value}`);
  return `# Written by dev/local-kafka.ts on every start; edits are overwritten.\n${lines.join('\n')}\n`;
}

/** The PLAINTEXT port a written server.properties listens on, to tell which port a running broker uses. */
export function listenerPort(properties: string): number | undefined {
  const match = /^listeners=PLAINTEXT:\/\/[^:]+:(\d+)/m.exec(properties);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
