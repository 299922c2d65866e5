// Every test worker's own KafkaJS clients (admin, producers, fake consumers) get the fix the service applies itself.
import { fixKafkaJsNegativeTimeout } from '../../src/platform/kafka/kafkajs-negative-timeout.js';

fixKafkaJsNegativeTimeout();
