import { describe, expect, it } from 'vitest';

import { createSmtpPasswords, type PasswordEvent } from '../../../src/smtp/passwords.js';

/** The passwords with a file whose content the test sets. */
function rotation(initial: string) {
  let file = initial;
  const events: PasswordEvent[] = [];
  const passwords = createSmtpPasswords({ current: () => file, onEvent: (e) => events.push(e) });
  return { passwords, events, write: (value: string) => void (file = value) };
}

describe('SMTP passwords during a rotation', () => {
  it('with one password the server accepts › uses it', () => {
    const { passwords } = rotation('old');
    expect(passwords.next()).toBe('old');
    passwords.accepted('old');
    expect(passwords.isAccepted('old')).toBe(true);
  });

  it('when the file changes › the next connection uses the new password, not yet accepted', () => {
    const { passwords, write } = rotation('old');
    passwords.accepted('old');
    write('new');
    expect(passwords.next()).toBe('new');
    expect(passwords.isAccepted('new')).toBe(false);
  });

  it('Secret first, server later › the new password is refused once, the old one carries on, then the new one takes over', () => {
    const { passwords, events, write } = rotation('old');
    passwords.accepted('old');
    write('new');
    expect(passwords.refused('new')).toBe('old');
    passwords.accepted('old');
    // Not offered again while the old one works: no failed login per new connection.
    expect(passwords.next()).toBe('old');
    // The server now has the new password.
    expect(passwords.refused('old')).toBe('new');
    expect(passwords.next()).toBe('new');
    passwords.accepted('new');
    expect(passwords.next()).toBe('new');
    expect(events).toEqual(['new-password-refused', 'trying-new-password']);
  });

  it('server first, Secret already updated › the old password is refused and the file’s is tried', () => {
    const { passwords, write } = rotation('old');
    passwords.accepted('old');
    write('new');
    passwords.accepted('old');
    expect(passwords.refused('old')).toBe('new');
  });

  it('when both passwords are refused since the last success › no candidate is left: fatal', () => {
    const { passwords, write } = rotation('old');
    passwords.accepted('old');
    write('typo');
    expect(passwords.refused('typo')).toBe('old');
    expect(passwords.refused('old')).toBeUndefined();
  });

  it('with a fixed password that is refused › fatal at once, as before rotation existed', () => {
    const { passwords } = rotation('only');
    expect(passwords.refused('only')).toBeUndefined();
  });

  it('when concurrent sends report the same refusal › the same answer each time, one event', () => {
    const { passwords, events, write } = rotation('old');
    passwords.accepted('old');
    write('new');
    expect([passwords.refused('new'), passwords.refused('new'), passwords.refused('new')]).toEqual(['old', 'old', 'old']);
    expect(events).toEqual(['new-password-refused']);
  });

  it('when the file changes again after a refused password › the newest one is tried', () => {
    const { passwords, write } = rotation('old');
    passwords.accepted('old');
    write('typo');
    passwords.refused('typo');
    passwords.accepted('old');
    write('fixed');
    expect(passwords.next()).toBe('fixed');
  });
});
