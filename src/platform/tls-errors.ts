/**
 * TLS failures that retrying cannot fix: the peer's certificate does not verify against our CA or
 * names another host, or the peer refused our client certificate. Node reports the first kind with
 * OpenSSL's verify codes (plus its own host check), the second as an alert from the peer.
 */
const CERTIFICATE_NOT_VERIFIED = new Set([
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'HOSTNAME_MISMATCH',
  'IP_ADDRESS_MISMATCH',
]);

/**
 * `ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE`, `ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED`, `…_ALERT_UNKNOWN_CA`…;
 * OpenSSL 3.5 (Node 24) names them `ERR_SSL_SSL/TLS_ALERT_…`.
 */
const CLIENT_CERTIFICATE_REFUSED =
  /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13|SSL\/TLS)_ALERT_(?:BAD_CERTIFICATE|CERTIFICATE_REQUIRED|CERTIFICATE_UNKNOWN|UNKNOWN_CA|UNSUPPORTED_CERTIFICATE|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|ACCESS_DENIED)$/;

export type TlsRefusal = 'server-certificate' | 'client-certificate';

/** Which TLS refusal a socket error `code` is, if any (undefined: network trouble, worth retrying). */
export function tlsRefusal(code: unknown): TlsRefusal | undefined {
  if (typeof code !== 'string') return undefined;
  if (CERTIFICATE_NOT_VERIFIED.has(code)) return 'server-certificate';
  if (CLIENT_CERTIFICATE_REFUSED.test(code)) return 'client-certificate';
  return undefined;
}
