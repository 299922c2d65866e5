import type { KafkaMessage } from 'kafkajs';

import type { EventRoutes } from '../pipeline/event-routes.js';
import type { ConsumedRecord } from '../pipeline/outcome.js';
import type { Ticket } from '../pipeline/topic-partition.js';
import { parseEvent } from './parse-event.js';

/** An admitted Kafka message as the pipeline carries it: parsed once, here, with its ticket and template set. */
export function toConsumedRecord(message: KafkaMessage, ticket: Ticket, routes?: EventRoutes): ConsumedRecord {
  const parsed = parseEvent(message.value, routes);
  return {
    topic: ticket.topic,
    partition: ticket.partition,
    message,
    ticket,
    parsed,
    eventId: parsed.ok ? parsed.event.eventId : parsed.eventId,
    template: parsed.template,
  };
}
