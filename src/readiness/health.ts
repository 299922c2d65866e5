export interface HealthOptions {
  /** No progress for this long while work is pending means the process is wedged. */
  readonly stallMs: number;
  readonly now?: () => number;
  /** Messages held or lag observed: is there work this process should be making progress on? */
  readonly hasWork: () => boolean;
  /** A known outage (SMTP circuit open, broker unreachable, a publish stalled): waiting is right, a restart would not help. */
  readonly waitingOnDependency: () => boolean;
  /** More for /readyz to show that does not decide readiness (each SMTP relay's circuit, say). */
  readonly detail?: () => Record<string, unknown>;
}

export interface HealthReport {
  readonly ok: boolean;
  readonly [key: string]: unknown;
}

/**
 * Readiness: joined the group and SMTP verified, and not shutting down.
 * Liveness: fails only when work is pending, no known outage explains it, and nothing progressed
 * for `stallMs`. An outage must not become a restart storm.
 */
export class Health {
  #joined = false;
  #smtpVerified = false;
  #shuttingDown = false;
  #blockedPartitions = 0;
  #stalledPublishes = 0;
  #commitBlocked = false;
  #lastProgress: number;
  /** What the previous liveness check found; construction counts as a check that expected progress. */
  #expectedProgress = true;
  readonly #now: () => number;

  constructor(private readonly o: HealthOptions) {
    this.#now = o.now ?? Date.now;
    this.#lastProgress = this.#now();
  }

  setJoined(joined: boolean): void {
    this.#joined = joined;
  }

  setSmtpVerified(verified: boolean): void {
    this.#smtpVerified = verified;
  }

  /** Partitions paused because an offset does not settle (a stuck DLQ publish, say): unready while any. */
  setBlockedPartitions(count: number): void {
    this.#blockedPartitions = count;
  }

  /** DLQ or receipt publishes unacknowledged past their bound (the topic missing or unwritable): unready while any. */
  setStalledPublishes(count: number): void {
    this.#stalledPublishes = count;
  }

  /** New sends held because settled offsets wait for commits the broker does not confirm: unready while so. */
  setCommitBlocked(blocked: boolean): void {
    this.#commitBlocked = blocked;
  }

  beginShutdown(): void {
    this.#shuttingDown = true;
  }

  progress(): void {
    this.#lastProgress = this.#now();
  }

  get lastProgressMs(): number {
    return this.#lastProgress;
  }

  readiness(): HealthReport {
    const ok =
      this.#joined && this.#smtpVerified && !this.#shuttingDown && this.#blockedPartitions === 0 && this.#stalledPublishes === 0 && !this.#commitBlocked;
    return {
      ...this.o.detail?.(),
      ok,
      joined: this.#joined,
      smtpVerified: this.#smtpVerified,
      shuttingDown: this.#shuttingDown,
      blockedPartitions: this.#blockedPartitions,
      stalledPublishes: this.#stalledPublishes,
      commitBlocked: this.#commitBlocked,
    };
  }

  liveness(): HealthReport {
    const hasWork = this.o.hasWork();
    const waiting = this.o.waitingOnDependency();
    const expectingProgress = hasWork && !waiting;
    // The stall clock runs only while progress is expected. Health cannot see when work arrives,
    // only what each check finds, so the first check that finds work after an idle or waiting spell
    // starts the clock: otherwise the idle time since the previous check would count as a stall.
    if (!expectingProgress || !this.#expectedProgress) this.progress();
    this.#expectedProgress = expectingProgress;
    const idleMs = this.#now() - this.#lastProgress;
    const stalled = expectingProgress && idleMs > this.o.stallMs;
    return { ok: !stalled, hasWork, waitingOnDependency: waiting, msSinceProgress: expectingProgress ? idleMs : 0 };
  }
}
