import { readFileSync, statSync } from 'node:fs';

import type { Logger } from 'pino';

/**
 * A secret file's value: its text without the one line break an editor or `echo` leaves at the end
 * (a password never ends in one; `kubectl create secret --from-file` copies it verbatim).
 */
export function readSecretFile(file: string): string {
  return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
}

/** What a re-read found, for a log line: never the value. */
export type SecretFileEvent =
  | { readonly kind: 'changed'; readonly variable: string; readonly file: string }
  | { readonly kind: 'unusable'; readonly variable: string; readonly file: string; readonly problem: string };

export interface SecretFileOptions {
  /** The variable the file stands for, e.g. `SMTP_PASS` (the file is `SMTP_PASS_FILE`). */
  readonly variable: string;
  readonly file: string;
  /** The value loadConfig read and validated at start. */
  readonly initial: string;
  readonly onEvent?: (event: SecretFileEvent) => void;
}

/** A secret that follows its file. */
export interface SecretFile {
  /** The current value: the file's, re-read when it changed on disk; the last usable one while it is unreadable or empty. */
  read(): string;
}

/**
 * Follows a secret file that is replaced while the process runs: Kubernetes updates a mounted Secret
 * by swapping the `..data` symlink to a new directory, so the path resolves to a new inode; an edit in
 * place changes size or mtime. `read()` costs one stat() while nothing changed, so callers ask at every
 * new connection. A file that cannot be used (unreadable, empty: what a half-written update can look
 * like) keeps the last good value, so the secret stays as valid as loadConfig found it.
 */
export function watchSecretFile({ variable, file, initial, onEvent }: SecretFileOptions): SecretFile {
  let value = initial;
  let seen = stamp(file);
  let reported: string | undefined;
  const report = (problem: string): void => {
    // Once per problem, not once per connection.
    if (reported === problem) return;
    reported = problem;
    onEvent?.({ kind: 'unusable', variable, file, problem });
  };
  return {
    read() {
      const now = stamp(file);
      if (now === seen) return value;
      let next: string;
      try {
        next = readSecretFile(file);
      } catch (err) {
        report(`cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'}); keeping the previous value`);
        return value;
      }
      if (next === '') {
        report('it is empty; keeping the previous value');
        return value;
      }
      seen = now;
      reported = undefined;
      if (next !== value) {
        value = next;
        onEvent?.({ kind: 'changed', variable, file });
      }
      return value;
    },
  };
}

/** Identity and version of what the path resolves to now (follows symlinks). */
function stamp(file: string): string {
  try {
    const s = statSync(file, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch (err) {
    return `error:${(err as NodeJS.ErrnoException).code ?? ''}`;
  }
}

/** One log line per change of a secret file, naming the variable; never the value. */
export function logSecretFileEvent(logger: Logger, event: SecretFileEvent): void {
  const fields = { variable: `${event.variable}_FILE`, file: event.file };
  if (event.kind === 'changed') logger.info(fields, 'secret file changed; new connections use the new value');
  else logger.warn(fields, `secret file unusable: ${event.problem}`);
}
