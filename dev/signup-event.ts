/** The fields of a valid sign-up event with the builder's defaults (src/pipeline/signup-event.ts is the contract). */
export interface SignupEventFields {
  eventId: string;
  type: 'user.signed_up';
  /** ISO-8601, now. */
  occurredAt: string;
  /** `user-<eventId>`, `<eventid>@example.test`, `User <eventId>`. */
  user: { id: string; email: string; name: string };
}

/**
 * A sign-up event as a producer writes it, for tests, the demo, the load test, the bench and the chaos
 * test: the one place that spells the event out. `overrides` replace whole top-level fields (a fixed
 * `occurredAt`, another `user`, a broken one, fields the service ignores such as `metadata`); key order
 * stays eventId, type, occurredAt, user, then the extra fields.
 */
export function signupEvent<O extends object = Record<never, never>>(eventId: string, overrides: O = {} as O): Omit<SignupEventFields, keyof O> & O {
  const event: SignupEventFields = {
    eventId,
    type: 'user.signed_up',
    occurredAt: new Date().toISOString(),
    user: { id: `user-${eventId}`, email: `${eventId.toLowerCase()}@example.test`, name: `User ${eventId}` },
  };
  return { ...event, ...overrides };
}
