import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

/** What mailauth's DKIM verifier asks DNS for, answered from memory. */
export type TxtResolver = (name: string, type: string) => Promise<string[][]>;

/**
 * A fresh RSA key for DKIM tests: the private key in `dir` (as the service reads DKIM_PRIVATE_KEY_FILE)
 * and a resolver that publishes its public key at `<selector>._domainkey.<domain>`, as DNS would.
 */
export function dkimTestKey(dir: string, { selector, domain }: { selector: string; domain: string }): { keyFile: string; resolver: TxtResolver } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyFile = path.join(dir, 'dkim.pem');
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o400 });
  const txt = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
  const resolver: TxtResolver = async (name, type) => {
    if (type === 'TXT' && name === `${selector}._domainkey.${domain}`) return [[txt]];
    throw Object.assign(new Error(`no ${type} for ${name}`), { code: 'ENOTFOUND' });
  };
  return { keyFile, resolver };
}
