import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Config } from './config-schema.js';

/** The variables naming TLS files, which the clients read when they are built. */
const TLS_FILES = ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE', 'SMTP_TLS_CA_FILE'] as const;

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
  for (const [name, file] of [['KAFKA_SSL_CA_FILE', kafka.sslCaFile], ['SMTP_TLS_CA_FILE', smtp.tlsCaFile]] as const) {
    if (file !== '' && certificates(readFileSync(file, 'utf8')) === undefined) problems.push(`${name}: ${quoted(file)} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  let cert: X509Certificate | undefined;
  if (kafka.sslCertFile !== '') {
    cert = certificates(readFileSync(kafka.sslCertFile, 'utf8'))?.[0];
    if (cert === undefined) problems.push(`KAFKA_SSL_CERT_FILE: ${quoted(kafka.sslCertFile)} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
    else if (new Date(cert.validTo) < now) problems.push(`KAFKA_SSL_CERT_FILE: the certificate in ${quoted(kafka.sslCertFile)} expired on ${new Date(cert.validTo).toISOString()}`);
  }
  let key: KeyObject | undefined;
  if (kafka.sslKeyFile !== '') {
    const pem = readFileSync(kafka.sslKeyFile, 'utf8');
    // PKCS#8 `ENCRYPTED PRIVATE KEY`, or a traditional key with `Proc-Type: 4,ENCRYPTED` (Node's error differs by version).
    if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: *4, *ENCRYPTED/.test(pem)) {
      problems.push(`KAFKA_SSL_KEY_FILE: the key in ${quoted(kafka.sslKeyFile)} is encrypted; mount it unencrypted (openssl pkey -in key.pem -out plain.pem) in a file only the service user can read`);
    } else {
      try {
        key = createPrivateKey(pem);
      } catch {
        problems.push(`KAFKA_SSL_KEY_FILE: ${quoted(kafka.sslKeyFile)} holds no PEM private key`);
      }
    }
  }
  if (cert !== undefined && key !== undefined && !cert.checkPrivateKey(key)) problems.push(`KAFKA_SSL_KEY_FILE: the key in ${quoted(kafka.sslKeyFile)} does not belong to the certificate in KAFKA_SSL_CERT_FILE`);
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
