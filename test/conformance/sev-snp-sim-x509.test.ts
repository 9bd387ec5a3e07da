/**
 * The simulated vendor's certificates against an independent implementation (issue 15 §1):
 * OpenSSL's `verify -x509_strict` accepts the ARK → ASK → VCEK and ARK → ASVK → VLEK chains
 * (RFC 5280: CA certificates carry subjectKeyIdentifier, keyUsage keyCertSign/cRLSign and
 * basicConstraints; every certificate not self-signed carries authorityKeyIdentifier), and
 * `openssl crl` verifies the vendor's ARK-signed CRL. Skipped with a notice when openssl is absent.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCertificateDer } from '../../protocol/attestation/amd-cert.js';
import { SimulatedVendor, toPem } from '../../protocol/attestation/sim-vendor.js';
import { derBoolean, derSequence, parseDer, TAG } from '../../protocol/attestation/der.js';
import { issueCertificate, keyIdentifier, OID_AUTHORITY_KEY_ID, OID_BASIC_CONSTRAINTS, OID_KEY_USAGE, OID_SUBJECT_KEY_ID, p384KeyFromRng, x509Extension, x509Name, type P384KeyPair } from '../../protocol/attestation/x509-issue.js';
import { ChaChaRng } from '../../sim/rng.js';

const hasOpenssl = spawnSync('openssl', ['version'], { encoding: 'utf8' }).status === 0;
if (!hasOpenssl) console.warn('[pph] SKIPPED openssl interop: no openssl on PATH');

const AT_S = String(Date.UTC(2026, 6, 1) / 1000);
const TCB = { bootloader: 3, tee: 0, snp: 8, microcode: 115 };
const root = ChaChaRng.fromSeed('x509-strict');
const vendor = SimulatedVendor.create(root.fork('vendor'), { product: 'Genoa' });
const chip = vendor.provisionChip(root.fork('chip'), TCB);
const vlek = vendor.provisionVlek(root.fork('vlek'), TCB);

const octets = (v: Uint8Array): Uint8Array => parseDer(v).value;

describe('simulated vendor certificates: RFC 5280 extensions', () => {
  it('ARK, ASK, ASVK carry SKI, keyUsage 03 02 01 06 (keyCertSign, cRLSign); all but the ARK an AKI naming the issuer key', () => {
    const ark = parseCertificateDer(vendor.arkDer);
    const ask = parseCertificateDer(vendor.askDer);
    const asvk = parseCertificateDer(vendor.asvkDer);
    const leaf = parseCertificateDer(chip.certDer);
    for (const ca of [ark, ask, asvk]) {
      expect(Buffer.from(ca.extensions.get(OID_KEY_USAGE)!).toString('hex')).toBe('03020106');
      expect(parseDer(ca.extensions.get(OID_SUBJECT_KEY_ID)!).tag).toBe(TAG.OCTET_STRING);
    }
    expect(ark.extensions.has(OID_AUTHORITY_KEY_ID)).toBe(false);
    const arkSki = octets(ark.extensions.get(OID_SUBJECT_KEY_ID)!);
    expect(arkSki).toEqual(keyIdentifier(vendor.keys.ark.publicKey));
    // AKI ::= SEQUENCE { [0] keyIdentifier }: 30 16 80 14 <20 bytes>
    for (const c of [ask, asvk]) expect(parseDer(c.extensions.get(OID_AUTHORITY_KEY_ID)!).value.subarray(2)).toEqual(arkSki);
    expect(parseDer(leaf.extensions.get(OID_AUTHORITY_KEY_ID)!).value.subarray(2)).toEqual(octets(ask.extensions.get(OID_SUBJECT_KEY_ID)!));
    expect(leaf.extensions.has(OID_KEY_USAGE)).toBe(false);
  });
});

describe.skipIf(!hasOpenssl)('openssl verify -x509_strict on the simulated chain', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pph-x509-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const ark = file('ark.pem', toPem(vendor.arkDer));
  const ask = file('ask.pem', toPem(vendor.askDer));
  const asvk = file('asvk.pem', toPem(vendor.asvkDer));
  const verify = (...args: string[]) => spawnSync('openssl', ['verify', '-x509_strict', '-attime', AT_S, ...args], { encoding: 'utf8' });

  it('VCEK ← ASK ← ARK: OK', () => {
    const r = verify('-CAfile', ark, '-untrusted', ask, file('vcek.pem', toPem(chip.certDer)));
    expect(r.stdout + r.stderr).toMatch(/vcek\.pem: OK/);
    expect(r.status).toBe(0);
  });

  it('VLEK ← ASVK ← ARK, and the intermediates alone: OK', () => {
    const r = verify('-CAfile', ark, '-untrusted', asvk, file('vlek.pem', toPem(vlek.certDer)));
    expect([r.status, r.stdout.trim()]).toEqual([0, `${join(dir, 'vlek.pem')}: OK`]);
    expect(verify('-CAfile', ark, ask, asvk).status).toBe(0);
  });

  it('negative: a CA without keyUsage/SKI (the old shape) is refused by -x509_strict, and the VCEK under the wrong intermediate too', () => {
    // The certificates as the simulated vendor issued them before: basicConstraints only.
    const bc = x509Extension(OID_BASIC_CONSTRAINTS, derSequence(derBoolean(true)), true);
    const [rootKey, caKey, leafKey] = ['old-root', 'old-ca', 'old-leaf'].map((n) => p384KeyFromRng(root.fork(n))) as [P384KeyPair, P384KeyPair, P384KeyPair];
    const cert = (cn: string, issuerCn: string, key: P384KeyPair, issuerKey: P384KeyPair, extensions: Uint8Array[]): string =>
      toPem(issueCertificate({ issuer: x509Name(issuerCn), subject: x509Name(cn), serial: 7n, notBeforeMs: Date.UTC(2020, 0, 1), notAfterMs: Date.UTC(2040, 0, 1), subjectPublicKey: key.publicKey, issuerPrivateKey: issuerKey.privateKey, extensions, omitAuthorityKeyId: true }));
    const oldRoot = file('old-root.pem', cert('ARK-Old', 'ARK-Old', rootKey, rootKey, [bc]));
    const oldCa = file('old-ca.pem', cert('SEV-Old', 'ARK-Old', caKey, rootKey, [bc]));
    const oldLeaf = file('old-leaf.pem', cert('SEV-VCEK', 'SEV-Old', leafKey, caKey, []));
    const strict = verify('-CAfile', oldRoot, '-untrusted', oldCa, oldLeaf);
    expect(strict.status).not.toBe(0);
    expect(strict.stdout + strict.stderr).toMatch(/key usage|Key Identifier/i);
    // Without -x509_strict the same chain passes: the strict mode is what the extensions satisfy.
    expect(spawnSync('openssl', ['verify', '-attime', AT_S, '-CAfile', oldRoot, '-untrusted', oldCa, oldLeaf], { encoding: 'utf8' }).status).toBe(0);
    expect(verify('-CAfile', ark, '-untrusted', asvk, join(dir, 'vcek.pem')).status).not.toBe(0);
  });

  it("openssl crl verifies the vendor's ARK-signed CRL and lists the revoked VCEK serial", () => {
    const crl = file('crl.pem', toPem(vendor.issueCrl([chip.serial]), 'X509 CRL'));
    const out = execFileSync('openssl', ['crl', '-in', crl, '-CAfile', ark, '-noout', '-text'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toContain(`Serial Number: ${chip.serial.toString(16).toUpperCase().padStart(2, '0')}`);
    const verified = spawnSync('openssl', ['crl', '-in', crl, '-CAfile', ark, '-noout'], { encoding: 'utf8' });
    expect(verified.stderr + verified.stdout).toMatch(/verify OK/);
  });
});
