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

/**
 * nodemailer's default list (RFC 4871 5.5's) plus what this service adds: RFC 8058 4 wants
 * List-Unsubscribe and List-Unsubscribe-Post signed, so a one-click request cannot be forged onto
 * the mail; Feedback-ID and Auto-Submitted are signed so a relay cannot add or change them unseen.
 */
const SIGNED_HEADERS = [
  'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:Content-Transfer-Encoding:Content-ID',
  'Content-Description:Resent-Date:Resent-From:Resent-Sender:Resent-To:Resent-Cc:Resent-Message-ID:In-Reply-To:References',
  'List-Id:List-Help:List-Unsubscribe:List-Subscribe:List-Post:List-Owner:List-Archive',
  'List-Unsubscribe-Post:Feedback-ID:Auto-Submitted',
].join(':');

/** Signs composed message bytes: the DKIM-Signature header is added in front, nothing else changes. */
export type SignMessage = (raw: Buffer) => Promise<Buffer>;

/**
 * DKIM signing (relaxed/relaxed, sha256) with nodemailer's own signer, applied to the bytes composed
 * ahead of the workers: signing costs the compose stage, never a worker's SMTP connection.
 */
export function createDkimSigner({ domain, selector, privateKey }: DkimOptions): SignMessage {
  // A KeyObject, parsed once: given the PEM text, every signature would parse the key again (≈ 3× the RSA operation).
  const dkim = new DKIM({
    domainName: domain,
    keySelector: selector,
    privateKey: createPrivateKey(privateKey),
    hashAlgo: 'sha256',
    headerFieldNames: SIGNED_HEADERS,
  });
  return async (raw) => Buffer.concat((await dkim.sign(raw).toArray()) as Buffer[]);
}
