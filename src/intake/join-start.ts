/**
 * Whether a request KafkaJS's consumer completed is the first of a join. KafkaJS 2.2 looks the
 * group coordinator up at the start of every join attempt (consumerGroup.js `[PRIVATE.JOIN]`,
 * never cached), and the consumer sends it nowhere else but `describeGroup`, which the service does
 * not call. That includes the rejoins KafkaJS makes without any event before the join: inside its
 * fetch on a leader or metadata change or a partition added to the topic (`recoverFromFetch`), and
 * after its own heartbeat found the member unknown (runner.js `scheduleFetchManager`). The old
 * generation is still valid then: a commit made now can still be accepted.
 */
export function isJoinStart(request: { readonly apiName: string }): boolean {
  // FindCoordinator's name in KafkaJS's protocol table (requests/findCoordinator).
  return request.apiName === 'GroupCoordinator';
}
