import { z } from 'zod';

/** Control characters (CR/LF included) can never appear in a name that ends up in a header. */
const NO_CONTROL_CHARS = /^[^\p{Cc}\p{Cf}\u2028\u2029]*$/u;

/**
 * The sign-up event contract (Kafka value, UTF-8 JSON; key = user id). Unknown fields are ignored
 * so producers can add fields without breaking the dispatcher.
 */
export const signupEventSchema = z.object({
  eventId: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'must match [A-Za-z0-9._-]{1,128}'),
  type: z.literal('user.signed_up', { error: 'unsupported type (expected "user.signed_up")' }),
  occurredAt: z.iso.datetime({ offset: true, error: 'must be an ISO-8601 date-time' }),
  user: z.object({
    id: z.string().min(1).max(256),
    // zod's email rule refuses quoted local parts, comments and IP literals: nothing that could route elsewhere.
    email: z.email({ error: 'invalid email address' }).max(254),
    name: z
      .string()
      .max(200)
      .regex(NO_CONTROL_CHARS, 'must not contain control characters')
      // A MIME encoded word in the display name lets a mail reader show a different sender-chosen text.
      .refine((name) => !name.includes('=?'), 'must not contain MIME encoded words ("=?")')
      .optional(),
    locale: z.string().regex(/^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 tag').optional(),
  }),
});

export type SignupEvent = z.infer<typeof signupEventSchema>;
