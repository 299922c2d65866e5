import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

import type { Config } from './schema.js';

/** The variables naming TLS (and DKIM key) files, which the clients read when they are built. */
const TLS_FILES = ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE', 'SMTP_TLS_CA_FILE', 'DKIM_PRIVATE_KEY_FILE'] as const;

const readProblem = (name: string, file: string): string | undefined => {
  try {
    readFileSync(file);
    return undefined;
  } catch (err) {
    return `${name}: cannot read ${JSON.stringify(file)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
};

/** loadConfig's part: one line per TLS file that cannot be read, naming its variable (`skip`: already reported). */
export function unreadableTlsFiles(resolved: Readonly<Record<string, string>>, skip: ReadonlySet<string>): string[] {
  return TLS_FILES.flatMap((name) => {
    const file = resolved[name];
    const problem = file && !skip.has(name) ? readProblem(name, file) : undefined;
    return problem === undefined ? [] : [problem];
  });
}

/**
 * What the TLS files hold, checked at start (after loadConfig, which only reads them) so a wrong mount
 * fails as a named configuration problem rather than as a handshake error or a stack trace: no
 * certificate in a CA bundle, a key that is encrypted or not a key, a key of another certificate, an
 * expired client certificate. One line per problem, naming the variable and the file, never the content.
 */
export function tlsFileProblems({ kafka, smtp }: Config, now = new Date()): string[] {
  const problems: string[] = [];
  const quoted = JSON.stringify;
  for (const [name, file] of [
    ['KAFKA_SSL_CA_FILE', kafka.sslCaFile],
    ['SMTP_TLS_CA_FILE', smtp.tlsCaFile],
  ] as const) {
    if (file !== '' && certificates(readFileSync(file, 'utf8')) === undefined)
      problems.push(`${name}: ${quoted(file)} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  let cert: X509Certificate | undefined;
  if (kafka.sslCertFile !== '') {
    cert = certificates(readFileSync(kafka.sslCertFile, 'utf8'))?.[0];
    if (cert === undefined) problems.push(`KAFKA_SSL_CERT_FILE: ${quoted(kafka.sslCertFile)} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
    else if (new Date(cert.validTo) < now)
      problems.push(`KAFKA_SSL_CERT_FILE: the certificate in ${quoted(kafka.sslCertFile)} expired on ${new Date(cert.validTo).toISOString()}`);
  }
  let key: KeyObject | undefined;
  if (kafka.sslKeyFile !== '') {
    const pem = readFileSync(kafka.sslKeyFile, 'utf8');
    // PKCS#8 `ENCRYPTED PRIVATE KEY`, or a traditional key with `Proc-Type: 4,ENCRYPTED` (Node's error differs by version).
    if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: *4, *ENCRYPTED/.test(pem)) {
      problems.push(
        `KAFKA_SSL_KEY_FILE: the key in ${quoted(kafka.sslKeyFile)} is encrypted; mount it unencrypted (openssl pkey -in key.pem -out plain.pem) in a file only the service user can read`,
      );
    } else {
      try {
        key = createPrivateKey(pem);
      } catch {
        problems.push(`KAFKA_SSL_KEY_FILE: ${quoted(kafka.sslKeyFile)} holds no PEM private key`);
      }
    }
  }
  if (cert !== undefined && key !== undefined && !cert.checkPrivateKey(key))
    problems.push(`KAFKA_SSL_KEY_FILE: the key in ${quoted(kafka.sslKeyFile)} does not belong to the certificate in KAFKA_SSL_CERT_FILE`);
  return problems;
}

/** Every certificate of a PEM bundle, or undefined when there is none or one does not parse. */
function certificates(pem: string): X509Certificate[] | undefined {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!blocks) return undefined;
  try {
    return blocks.map((block) => new X509Certificate(block));
  } catch {
    return undefined;
  }
}

/**
 * What is wrong with a DKIM private key, or undefined. nodemailer's signer signs with RSA only
 * (`a=rsa-sha256`; Ed25519 keys are not supported by it), and RFC 8301 refuses RSA keys under 1024
 * bits (2048 is today's norm).
 */
function dkimKeyProblem(pem: string): string | undefined {
  let type: string | undefined;
  let bits: number | undefined;
  try {
    const key = createPrivateKey(pem);
    type = key.asymmetricKeyType;
    bits = key.asymmetricKeyDetails?.modulusLength;
  } catch {
    return 'holds no unencrypted PEM private key';
  }
  if (type !== 'rsa') return `holds an ${String(type)} key; the signer (nodemailer's DKIM) signs with RSA only: use an RSA key of 2048 bits`;
  if (bits !== undefined && bits < 1024) return `holds a ${bits}-bit RSA key; verifiers refuse keys under 1024 bits (RFC 8301): use 2048`;
  return undefined;
}

/** loadConfig's part: DKIM_PRIVATE_KEY_FILE readable and an RSA key a verifier accepts. */
export function dkimKeyFileProblem(file: string): string | undefined {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    return `DKIM_PRIVATE_KEY_FILE: cannot read ${JSON.stringify(file)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  const problem = dkimKeyProblem(pem);
  return problem === undefined ? undefined : `DKIM_PRIVATE_KEY_FILE: ${JSON.stringify(file)} ${problem}`;
}
