import PQueue from 'p-queue';

import { renderEmail, templateSetOf, type WelcomeEmail, type WelcomeSite } from '../email/render-welcome-email.js';
import type { SignupEvent } from '../pipeline/signup-event.js';
import type { Mailer } from '../smtp/mailer.js';
import type { Letter } from './job-board.js';

/** Messages composed at once ahead of the workers: enough to keep them fed, in admission order. */
const COMPOSE_CONCURRENCY = 4;

/**
 * Renders and composes each email before it waits for a worker, so a worker holds its SMTP
 * connection only for the exchange.
 */
export class ComposeAhead {
  readonly #queue = new PQueue({ concurrency: COMPOSE_CONCURRENCY });

  constructor(
    private readonly mailer: Pick<Mailer, 'prepare'>,
    private readonly email: WelcomeSite,
  ) {}

  /**
   * The event's letter from its template set; undefined when `wanted()` says no by its turn (the job was abandoned), so
   * nothing is composed for it. Rejects when the email cannot be composed.
   */
  compose(event: SignupEvent, template: string, wanted: () => boolean): Promise<Letter | undefined> {
    let mail: WelcomeEmail;
    try {
      mail = renderEmail(event, templateSetOf(this.email, template), this.email);
    } catch (err) {
      // A header past the line limit with this event's values: this event's email cannot be made.
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return this.#queue.add(async () => (wanted() ? { eventId: event.eventId, prepared: await this.mailer.prepare(mail) } : undefined));
  }

  /** Drops what waits to be composed; those promises never settle. */
  clear(): void {
    this.#queue.clear();
  }
}
