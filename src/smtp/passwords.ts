/**
 * Which SMTP password a new connection uses while the password is being rotated. Kubernetes swaps
 * the Secret file and the operator changes the server's password, in either order and minutes apart;
 * a connection made in between would be refused. So an authentication failure is fatal only when
 * neither the file's current password nor the last one the server accepted is left to try: a new
 * password the server does not know yet falls back to the old one (and is tried again once the old one
 * is refused), an old one the server dropped gives way to the new one.
 */
export type PasswordEvent =
  /** The file's password was refused; new connections keep the one the server accepted last. */
  | 'new-password-refused'
  /** The password in use was refused; the file's other password is tried. */
  | 'trying-new-password';

export interface SmtpPasswordsOptions {
  /** The password in the file now (or the fixed SMTP_PASS). */
  readonly current: () => string;
  readonly onEvent?: (event: PasswordEvent) => void;
}

export interface SmtpPasswords {
  /** The password for the next connection. */
  next(): string;
  /** True once the server accepted this password and has refused nothing since. */
  isAccepted(password: string): boolean;
  /** The server accepted `password` (a login succeeded). */
  accepted(password: string): void;
  /** The server refused `password`: the one to try instead, or undefined when every candidate was refused since the last success (fatal). */
  refused(password: string): string | undefined;
}

export function createSmtpPasswords({ current, onEvent }: SmtpPasswordsOptions): SmtpPasswords {
  let lastAccepted: string | undefined;
  /** The file's password after the server refused it; not offered again until the file changes or the old one is refused. */
  let refusedFromFile: string | undefined;
  const refusedSinceSuccess = new Set<string>();
  return {
    next() {
      const fromFile = current();
      const fileRefused = fromFile === refusedFromFile || refusedSinceSuccess.has(fromFile);
      return fileRefused && lastAccepted !== undefined && !refusedSinceSuccess.has(lastAccepted) ? lastAccepted : fromFile;
    },
    isAccepted(password) {
      return password === lastAccepted && !refusedSinceSuccess.has(password);
    },
    accepted(password) {
      lastAccepted = password;
      refusedSinceSuccess.clear();
      if (password === refusedFromFile) refusedFromFile = undefined;
    },
    refused(password) {
      const fromFile = current();
      const first = !refusedSinceSuccess.has(password);
      refusedSinceSuccess.add(password);
      if (password === fromFile) refusedFromFile = fromFile;
      // The server dropped the old password: it has the new one now, so the file's deserves another try.
      else if (password === lastAccepted) refusedFromFile = undefined;
      const instead = [fromFile, lastAccepted].find((candidate): candidate is string => candidate !== undefined && !refusedSinceSuccess.has(candidate));
      if (instead !== undefined && first) onEvent?.(instead === lastAccepted ? 'new-password-refused' : 'trying-new-password');
      return instead;
    },
  };
}
