import { readFileSync } from 'node:fs';
import path from 'node:path';

import { freePort } from '../../dev/loadtest/free-port.js';
import { waitForReady } from '../../dev/loadtest/wait.js';
import { type ServiceProcess, spawnService } from '../../dev/service-process.js';

export interface Member {
  /** `svc-<n>`: every start is a new member (a new process, a new consumer-group member). */
  readonly name: string;
  readonly pid: number;
  readonly httpPort: number;
  readonly logFile: string;
  readonly exited: Promise<number>;
  /** We asked it to go (SIGKILL or SIGTERM): its exit is expected. */
  stopping: boolean;
  exitCode: number | undefined;
}

export interface FleetEvent {
  /** Clock of the fleet's owner (chaos-phase time). */
  readonly atMs: number;
  readonly member: string;
  readonly what: 'started' | 'sigkill' | 'sigterm' | 'exited' | 'unexpected-exit';
  readonly code?: number;
  /** An unexpected exit's last fatal log line: its error code and message. */
  readonly fatal?: { readonly code: string; readonly msg: string };
}

export interface ServiceFleetOptions {
  readonly projectRoot: string;
  /** The service's environment; HTTP_PORT is set per member. */
  readonly env: Readonly<Record<string, string>>;
  readonly logDir: string;
  readonly clock: () => number;
  /** A member that exits by itself is started again after this long, like a pod restart. @default 2_000 */
  readonly restartDelayMs?: number;
  readonly onEvent?: (event: FleetEvent) => void;
}

/**
 * The service instances of a chaos run: real processes (cmd/service.ts through tsx) on one consumer
 * group. Members that exit without being told to are recorded and started again, as Kubernetes would.
 */
export class ServiceFleet {
  readonly #o: ServiceFleetOptions;
  readonly #members = new Set<Member>();
  readonly #processes = new Map<Member, ServiceProcess>();
  readonly #restarts = new Set<Promise<unknown>>();
  readonly events: FleetEvent[] = [];
  #next = 1;
  #closing = false;

  constructor(options: ServiceFleetOptions) {
    this.#o = options;
  }

  /** Members alive and not being stopped. */
  running(): Member[] {
    return [...this.#members].filter((m) => !m.stopping && m.exitCode === undefined);
  }

  /** `floor(target × running)`: how a planned fault picks its instance. */
  pick(target: number): Member | undefined {
    const members = this.running();
    return members[Math.min(members.length - 1, Math.floor(target * members.length))];
  }

  async start(): Promise<Member> {
    const name = `svc-${this.#next++}`;
    const httpPort = await freePort();
    const logFile = path.join(this.#o.logDir, `${name}.log`);
    const proc = spawnService({ projectRoot: this.#o.projectRoot, entry: 'source', env: { ...this.#o.env, HTTP_PORT: String(httpPort) }, logFile });
    const member: Member = { name, pid: proc.pid, httpPort, logFile, exited: proc.exited, stopping: false, exitCode: undefined };
    this.#members.add(member);
    this.#processes.set(member, proc);
    this.#record(member, 'started');
    void proc.exited.then((code) => {
      member.exitCode = code;
      this.#members.delete(member);
      this.#processes.delete(member);
      this.#record(member, member.stopping ? 'exited' : 'unexpected-exit', code, member.stopping ? undefined : lastFatal(logFile));
      if (!member.stopping && !this.#closing) {
        const restart = new Promise((resolve) => setTimeout(resolve, this.#o.restartDelayMs ?? 2_000)).then(() => (this.#closing ? undefined : this.start()));
        this.#restarts.add(restart);
        void restart.finally(() => this.#restarts.delete(restart));
      }
    });
    return member;
  }

  /** Resolves once the member answers 200 on /readyz (joined its group, SMTP verified). */
  async waitReady(member: Member, timeoutMs = 60_000): Promise<void> {
    await waitForReady({ url: `http://127.0.0.1:${member.httpPort}/readyz`, exited: member.exited, timeoutMs });
  }

  /** SIGKILL: no shutdown, no final commit. Resolves with the exit code (137). */
  async kill(member: Member): Promise<number> {
    member.stopping = true;
    this.#record(member, 'sigkill');
    process.kill(member.pid, 'SIGKILL');
    return member.exited;
  }

  /** SIGTERM (graceful shutdown), SIGKILL after `graceMs`. Resolves with the exit code. */
  async terminate(member: Member, graceMs: number): Promise<number> {
    member.stopping = true;
    this.#record(member, 'sigterm');
    const proc = this.#processes.get(member);
    return proc ? proc.stop(graceMs) : member.exited;
  }

  /** Members restarting after an unexpected exit are awaited first, then every member stops gracefully. */
  async close(graceMs: number): Promise<Array<{ name: string; code: number }>> {
    await Promise.allSettled([...this.#restarts]);
    this.#closing = true;
    const members = [...this.#members];
    return Promise.all(members.map(async (m) => ({ name: m.name, code: await this.terminate(m, graceMs) })));
  }

  /** Last resort in `finally`: SIGKILL whatever still runs. */
  killAll(): void {
    this.#closing = true;
    for (const m of this.#members) {
      m.stopping = true;
      try {
        process.kill(m.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  #record(member: Member, what: FleetEvent['what'], code?: number, fatal?: FleetEvent['fatal']): void {
    const event: FleetEvent = { atMs: this.#o.clock(), member: member.name, what, ...(code === undefined ? {} : { code }), ...(fatal ? { fatal } : {}) };
    this.events.push(event);
    this.#o.onEvent?.(event);
  }
}

/** The last `fatal` line of a member's JSON log, if any. */
function lastFatal(logFile: string): FleetEvent['fatal'] {
  let text = '';
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return undefined;
  }
  const line = text.split('\n').findLast((l) => l.includes('"level":"fatal"'));
  if (!line) return undefined;
  try {
    const { code, msg } = JSON.parse(line) as { code?: string; msg?: string };
    return { code: code ?? '', msg: msg ?? '' };
  } catch {
    return undefined;
  }
}
