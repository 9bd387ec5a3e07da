/**
 * CertificateVerify signatures (RFC 8446 §4.4.3, §4.2.3): verification with the leaf
 * certificate's key (node:crypto, deterministic), and a deterministic ECDSA signer (noble,
 * RFC 6979) for the schemes pph's servers use.
 */
import { X509Certificate, constants, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { p256, p384 } from '@noble/curves/nist.js';
import { TlsError } from './errors.js';
import { SIG } from './messages.js';

/** What a server needs to authenticate: its chain (leaf first) and a signer for one scheme. */
export interface CertificateSigner {
  readonly scheme: number;
  readonly chain: readonly Uint8Array[];
  sign(content: Uint8Array): Uint8Array;
}

/** The leaf's public key; throws `TlsError('certificate')` if it does not parse. */
export function leafPublicKey(leafDer: Uint8Array): KeyObject {
  try {
    return new X509Certificate(leafDer).publicKey;
  } catch (cause) {
    throw new TlsError('certificate', 'the peer certificate does not parse as X.509', { cause });
  }
}

/** Verifies `signature` over `content` under `scheme` with the leaf's key; throws `TlsError('signature')`. */
export function verifyCertificateVerify(scheme: number, leafDer: Uint8Array, content: Uint8Array, signature: Uint8Array): void {
  const key = leafPublicKey(leafDer);
  const type = key.asymmetricKeyType;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  let ok = false;
  try {
    if (scheme === SIG.rsa_pss_rsae_sha256 && type === 'rsa') {
      // RFC 8446 §4.2.3: RSASSA-PSS with MGF1(SHA-256) and a salt as long as the digest.
      ok = cryptoVerify('sha256', content, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature);
    } else if (scheme === SIG.ecdsa_secp256r1_sha256 && type === 'ec' && curve === 'prime256v1') {
      ok = cryptoVerify('sha256', content, key, signature); // DER-encoded ECDSA-Sig-Value
    } else if (scheme === SIG.ecdsa_secp384r1_sha384 && type === 'ec' && curve === 'secp384r1') {
      ok = cryptoVerify('sha384', content, key, signature);
    } else {
      // RFC 8446 §4.4.3: the scheme must match the certificate's key.
      throw new TlsError('certificate', `signature scheme 0x${scheme.toString(16)} does not fit a ${type} ${curve ?? ''} key`, { alert: 47 });
    }
  } catch (e) {
    if (e instanceof TlsError) throw e;
    ok = false;
  }
  if (!ok) throw new TlsError('signature', 'CertificateVerify signature does not verify');
}

/** A deterministic ECDSA signer (RFC 6979 nonces): ecdsa_secp384r1_sha384 or ecdsa_secp256r1_sha256. */
export function ecdsaSigner(scheme: number, privateKey: Uint8Array, chain: readonly Uint8Array[]): CertificateSigner {
  const curve = scheme === SIG.ecdsa_secp384r1_sha384 ? p384 : scheme === SIG.ecdsa_secp256r1_sha256 ? p256 : undefined;
  if (!curve) throw new RangeError(`ecdsaSigner: unsupported scheme 0x${scheme.toString(16)}`);
  return {
    scheme,
    chain,
    // noble prehashes with the curve's hash (SHA-384 / SHA-256), as the scheme names.
    sign: (content) => curve.sign(content, privateKey, { format: 'der' }),
  };
}
