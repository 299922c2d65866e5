/**
 * Throwaway certificates for the local broker's TLS listeners and the SMTP sink, made at test time with
 * `openssl` (nothing is committed): a CA, server certificates for the names clients dial, client
 * certificates for mutual TLS. Keys are unencrypted PKCS#8 PEM, mode 0600; everything lives one day.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { isNotFound, runCommand } from './run-command.js';

/** PEM files on disk; `keystore` is key + certificate + CA in one file (Kafka's `ssl.keystore.type=PEM`). */
export interface IssuedCertificate {
  readonly key: string;
  readonly cert: string;
  readonly keystore: string;
}

export interface CertificateAuthority {
  readonly name: string;
  readonly key: string;
  readonly cert: string;
  /**
   * Issues a certificate signed by this CA. `altNames` are subjectAltName entries such as
   * `DNS:localhost` or `IP:127.0.0.1`; the names a TLS client checks the server against.
   */
  issue(name: string, options: { altNames?: readonly string[]; usage: 'server' | 'client' }): Promise<IssuedCertificate>;
}

export class CertificateError extends Error {
  override readonly name = 'CertificateError';
}

async function openssl(args: readonly string[], cwd: string): Promise<void> {
  let result;
  try {
    result = await runCommand('openssl', args, { cwd });
  } catch (error) {
    if (isNotFound(error))
      throw new CertificateError('openssl is not installed; the TLS tests make their certificates with it (apt-get install -y openssl)', { cause: error });
    throw error;
  }
  if (result.code !== 0) throw new CertificateError(`openssl ${args[0]} failed: ${result.output.trim().split('\n').at(-1) ?? ''}`);
}

// P-256 keys: generated in milliseconds, accepted by Java, Node and OpenSSL alike.
const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A new self-signed CA in `dir` (created if missing), named `name` (file names and CN). */
export async function createCertificateAuthority(dir: string, name: string): Promise<CertificateAuthority> {
  await mkdir(dir, { recursive: true });
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.crt`);
  await openssl(
    [
      'req',
      '-x509',
      ...NEW_KEY,
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  await chmod(key, 0o600);
  return {
    name,
    key,
    cert,
    async issue(leaf, { altNames = [], usage }) {
      const leafKey = path.join(dir, `${leaf}.key`);
      const csr = path.join(dir, `${leaf}.csr`);
      const leafCert = path.join(dir, `${leaf}.crt`);
      const extensions = path.join(dir, `${leaf}.ext`);
      await openssl(['req', ...NEW_KEY, '-keyout', leafKey, '-out', csr, '-subj', `/CN=${leaf}`], dir);
      await chmod(leafKey, 0o600);
      const lines = [`extendedKeyUsage=${usage === 'server' ? 'serverAuth' : 'clientAuth'}`, 'basicConstraints=CA:FALSE'];
      if (altNames.length > 0) lines.push(`subjectAltName=${altNames.join(',')}`);
      await writeFile(extensions, `${lines.join('\n')}\n`);
      await openssl(['x509', '-req', '-in', csr, '-CA', cert, '-CAkey', key, '-CAcreateserial', '-out', leafCert, '-days', '1', '-extfile', extensions], dir);
      const keystore = path.join(dir, `${leaf}.keystore.pem`);
      await writeFile(keystore, [await readFile(leafKey, 'utf8'), await readFile(leafCert, 'utf8'), await readFile(cert, 'utf8')].join(''), { mode: 0o600 });
      return { key: leafKey, cert: leafCert, keystore };
    },
  };
}
