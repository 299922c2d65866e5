import { Counter, Gauge, type Registry } from 'prom-client';

/** Event in: records admitted, fetching paused, partitions blocked or rewound, the group's rebalances and crashes, Kafka's last answer. */
export function intakeMetrics(p: string, registers: Registry[]) {
  return {
    consumed: new Counter({ name: `${p}messages_consumed_total`, help: 'Kafka messages admitted into the pipeline', labelNames: ['topic'], registers }),
    fetchPaused: new Gauge({ name: `${p}fetch_paused`, help: '1 while fetching is paused because the buffer is full or the SMTP circuit is open', registers }),
    offsetRewinds: new Counter({
      name: `${p}offset_rewinds_total`,
      help: "Fetches that started below the committed offset of a log that now ends below it (topic created again, unclean leader election): the partition's tracking restarted there",
      labelNames: ['topic'],
      registers,
    }),
    partitionBlocked: new Gauge({
      name: `${p}partition_blocked`,
      help: '1 while a partition is paused because one of its offsets has not settled and admission reached KAFKA_MAX_AHEAD_PER_PARTITION past it',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    rebalances: new Counter({ name: `${p}kafka_rebalances_total`, help: 'Consumer group rebalances seen', registers }),
    crashes: new Counter({ name: `${p}kafka_consumer_crashes_total`, help: 'KafkaJS consumer crashes', labelNames: ['restart'], registers }),
    kafkaLastContact: new Gauge({
      name: `${p}kafka_last_contact_timestamp_seconds`,
      help: 'Unix time of the last fetch, heartbeat, commit or join answered by Kafka',
      registers,
    }),
  };
}
