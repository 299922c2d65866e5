/**
 * When Kafka last answered (fetch, heartbeat, commit, join). Without an answer for `staleAfterMs`
 * the brokers count as unreachable: the service is unready, and /livez does not blame the process.
 */
export class KafkaContact {
  #at: number;
  #stale = false;

  constructor(private readonly o: { staleAfterMs: number; now?: () => number; onChange: (reachable: boolean, silentForMs: number) => void }) {
    this.#at = this.#now();
  }

  get lastAt(): number {
    return this.#at;
  }

  reachable(): boolean {
    return this.#now() - this.#at < this.o.staleAfterMs;
  }

  touch(): void {
    this.#at = this.#now();
    if (this.#stale) {
      this.#stale = false;
      this.o.onChange(true, 0);
    }
  }

  /** Call periodically: reports the moment contact goes stale. */
  check(): void {
    if (this.#stale || this.reachable()) return;
    this.#stale = true;
    this.o.onChange(false, this.#now() - this.#at);
  }

  #now(): number {
    return (this.o.now ?? Date.now)();
  }
}
