import { createPrivateKey } from 'node:crypto';
import DKIM from 'nodemailer/lib/dkim';

export interface DkimOptions {
  /** The signing domain (`d=`), DKIM_DOMAIN. */
  readonly domain: string;
  /** The selector (`s=`): the public key is published at `<selector>._domainkey.<domain>`. */
  readonly selector: string;
  /** PEM private key (RSA: nodemailer's signer writes `a=rsa-sha256`). */
  readonly privateKey: string;
}

/** Signs composed message bytes: the DKIM-Signature header is added in front, nothing else changes. */
export type SignMessage = (raw: Buffer) => Promise<Buffer>;

/**
 * DKIM signing (relaxed/relaxed, sha256) with nodemailer's own signer, applied to the bytes composed
 * ahead of the workers: signing costs the compose stage, never a worker's SMTP connection.
 */
export function createDkimSigner({ domain, selector, privateKey }: DkimOptions): SignMessage {
  // A KeyObject, parsed once: given the PEM text, every signature would parse the key again (≈ 3× the RSA operation).
  const dkim = new DKIM({ domainName: domain, keySelector: selector, privateKey: createPrivateKey(privateKey), hashAlgo: 'sha256' });
  return async (raw) => Buffer.concat((await dkim.sign(raw).toArray()) as Buffer[]);
}
