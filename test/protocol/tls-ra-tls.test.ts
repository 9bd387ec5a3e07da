/**
 * RA-TLS: evidence in the server certificate, bound to the certificate key and the session, and
 * the verifier's three modes. The relay attack: a party holding a certificate and key issued for
 * session A serves them in session B. Full binding refuses it; key-only (the relayable mutant)
 * and static evidence without a client nonce (the published finding) accept it.
 */
import { describe, expect, it } from 'vitest';
import { concat, toHex } from '../../protocol/bytes.js';
import { AttestationError } from '../../protocol/errors.js';
import { SimulatedVendor } from '../../protocol/attestation/sim-vendor.js';
import { derOctetString, derSequence, derInteger, derUtf8String } from '../../protocol/attestation/der.js';
import { issueCertificate, p384KeyFromRng, p384Spki, x509Extension, x509Name } from '../../protocol/attestation/x509-issue.js';
import { TlsClient, TlsServer, type CertificateSigner } from '../../protocol/tls/connection.js';
import { TlsError } from '../../protocol/tls/errors.js';
import { SIG } from '../../protocol/tls/messages.js';
import {
  encodeRaTlsEvidence,
  extractRaTlsEvidence,
  issueRaTlsCertificate,
  issueRaTlsExporterEvidence,
  RA_TLS_EXPORTER_LABEL,
  RA_TLS_EVIDENCE_OID,
  raTlsCertificateProvider,
  raTlsReportData,
  verifyRaTlsSession,
  type RaTlsSessionInput,
} from '../../protocol/tls/ra-tls.js';
import { ecdsaSigner } from '../../protocol/tls/signature.js';
import { ChaChaRng } from '../../sim/rng.js';

const world = ChaChaRng.fromSeed('ra-tls-test');
const vendor = SimulatedVendor.create(world.fork('vendor'));
const chip = vendor.provisionChip(world.fork('chip'), { bootloader: 3, tee: 0, snp: 8, microcode: 115 });
const AT = Date.UTC(2030, 0, 1);
const validity = { notBeforeMs: Date.UTC(2020, 0, 1), notAfterMs: Date.UTC(2049, 0, 1) };

function provider(binding: 'auto' | 'none' = 'auto', seed = 'tee') {
  return raTlsCertificateProvider({ rng: world.fork(seed), chip, chain: [vendor.askDer, vendor.arkDer], ...validity, binding });
}

/** One handshake of a client (with or without an RA-TLS nonce) against a server presenting `certificate`. */
function session(certificate: CertificateSigner | ((i: Parameters<ReturnType<typeof provider>['provide']>[0]) => CertificateSigner), seed: string, nonce?: Uint8Array) {
  const rng = ChaChaRng.fromSeed(seed);
  const client = new TlsClient({ rng: rng.fork('client'), ...(nonce ? { raTlsNonce: nonce } : {}) });
  const server = new TlsServer({ rng: rng.fork('server'), certificate });
  server.receive(client.start());
  client.receive(server.takeOutput());
  server.receive(client.takeOutput());
  expect(client.connected).toBe(true);
  return { client, server, leaf: client.peerCertificates![0]! };
}

const input = (leaf: Uint8Array, rest: Partial<RaTlsSessionInput>): RaTlsSessionInput => ({ mode: 'full', peerCertificate: leaf, trustStore: vendor.trustStore(), atMs: AT, ...rest });

function failure(f: () => unknown): { cls: string; code: string } {
  try {
    f();
  } catch (e) {
    if (e instanceof TlsError || e instanceof AttestationError) return { cls: e.constructor.name, code: e.code };
    throw e;
  }
  return { cls: 'none', code: 'accepted' };
}

describe('RA-TLS evidence bound to the session', () => {
  const nonceA = new Uint8Array(32).fill(0xa1);
  const nonceB = new Uint8Array(32).fill(0xb2);

  it('a client nonce: the report binds the certificate key and that nonce; full verification passes', () => {
    const { leaf, server } = session(provider().provide, 'nA', nonceA);
    const ev = extractRaTlsEvidence(leaf);
    expect(ev.bindingKind).toBe('nonce');
    expect(toHex(ev.binding)).toBe(toHex(nonceA));
    expect(toHex(server.clientHello!.raTlsNonce!)).toBe(toHex(nonceA));
    const ok = verifyRaTlsSession(input(leaf, { session: { kind: 'nonce', value: nonceA } }));
    expect(toHex(ok.attestation.report.reportData)).toBe(toHex(raTlsReportData(ev.spki, nonceA)));
    expect(ok.evidence.endorsements).toHaveLength(3);
  });

  it('no nonce extension (a standard client): bound to ClientHello.random', () => {
    const { leaf, client } = session(provider().provide, 'cr');
    const ev = extractRaTlsEvidence(leaf);
    expect(ev.bindingKind).toBe('client-random');
    expect(toHex(ev.binding)).toBe(toHex(client.clientRandom!));
    verifyRaTlsSession(input(leaf, { session: { kind: 'client-random', value: client.clientRandom! } }));
  });

  it('the same seed gives the same certificate (deterministic), another nonce another one', () => {
    const a = session(provider('auto', 'same').provide, 'det', nonceA).leaf;
    const b = session(provider('auto', 'same').provide, 'det', nonceA).leaf;
    const c = session(provider('auto', 'same').provide, 'det', nonceB).leaf;
    expect(toHex(a)).toBe(toHex(b));
    expect(toHex(a)).not.toBe(toHex(c));
  });

  describe('the relay: the certificate and key of session A served in session B', () => {
    const p = provider('auto', 'relay');
    const { leaf: leafA } = session(p.provide, 'A', nonceA);
    // The relaying party holds the key (a leaked TEE key, or the host that once had it).
    const relayed = ecdsaSigner(SIG.ecdsa_secp384r1_sha384, p.key.privateKey, [leafA]);
    const { leaf: leafB } = session(relayed, 'B', nonceB);

    it('the handshake itself succeeds: TLS alone cannot tell', () => {
      expect(toHex(leafB)).toBe(toHex(leafA));
    });
    it('full binding refuses it: binding', () => {
      expect(failure(() => verifyRaTlsSession(input(leafB, { session: { kind: 'nonce', value: nonceB } })))).toEqual({ cls: 'TlsError', code: 'binding' });
    });
    it('key-only (the relayable mutant) accepts it', () => {
      expect(verifyRaTlsSession(input(leafB, { mode: 'key-only' })).mode).toBe('key-only');
    });
    it('no client nonce (the published finding): one static certificate, accepted in every session', () => {
      const s = provider('none', 'static');
      const one = session(s.provide, 'S1').leaf;
      const two = session(s.provide, 'S2').leaf;
      expect(toHex(one)).toBe(toHex(two));
      expect(extractRaTlsEvidence(one).bindingKind).toBe('none');
      expect(verifyRaTlsSession(input(two, { mode: 'no-client-nonce' })).mode).toBe('no-client-nonce');
      // A client that does send a nonce and checks it is not fooled by static evidence.
      expect(failure(() => verifyRaTlsSession(input(two, { session: { kind: 'nonce', value: nonceB } }))).code).toBe('binding');
    });
  });
});

describe('the exporter binding (RFC 8446 §7.5): evidence sent after the handshake', () => {
  const p = provider('auto', 'exporter');
  const evidenceFor = (s: ReturnType<typeof session>) =>
    issueRaTlsExporterEvidence({ key: p.key, chip, chain: [vendor.askDer, vendor.arkDer], exporterValue: s.server.exportKeyingMaterial(RA_TLS_EXPORTER_LABEL, new Uint8Array(0), 32) });
  const a = session(p.provide, 'EA');
  const b = session(p.provide, 'EB');
  const evA = evidenceFor(a);
  const mine = (s: ReturnType<typeof session>) => ({ kind: 'exporter' as const, value: s.client.exportKeyingMaterial(RA_TLS_EXPORTER_LABEL, new Uint8Array(0), 32) });

  it('the server sends it as application data; the client verifies it against its own exporter value', () => {
    a.server.send(evA);
    a.client.receive(a.server.takeOutput());
    const received = a.client.readApplicationData()[0]!;
    const ok = verifyRaTlsSession(input(a.leaf, { session: mine(a), postHandshakeEvidence: received }));
    expect(ok.evidence.bindingKind).toBe('exporter');
  });
  it('evidence of session A replayed in session B: binding (full), accepted by key-only', () => {
    expect(failure(() => verifyRaTlsSession(input(b.leaf, { session: mine(b), postHandshakeEvidence: evA }))).code).toBe('binding');
    expect(verifyRaTlsSession(input(b.leaf, { mode: 'key-only', postHandshakeEvidence: evA })).mode).toBe('key-only');
  });
  it('evidence for another key than the certificate the handshake authenticated: binding', () => {
    const other = raTlsCertificateProvider({ rng: world.fork('exporter-other'), chip, ...validity });
    const forged = issueRaTlsExporterEvidence({ key: other.key, chip, exporterValue: mine(a).value });
    expect(failure(() => verifyRaTlsSession(input(a.leaf, { session: mine(a), postHandshakeEvidence: forged }))).code).toBe('binding');
    expect(failure(() => verifyRaTlsSession(input(a.leaf, { session: mine(a), postHandshakeEvidence: Uint8Array.of(0x30, 0) }))).code).toBe('evidence');
  });
});

describe('the verifier refuses, typed', () => {
  const nonce = new Uint8Array(16).fill(7);
  const key = p384KeyFromRng(world.fork('tamper-key'));
  const name = x509Name('tamper', 'pph test');
  const full = { session: { kind: 'nonce' as const, value: nonce } };

  /** A certificate for `key` with an evidence extension built from the given parts. */
  function certWith(parts: { report?: Uint8Array; evidence?: Uint8Array; bindingKind?: 'nonce' | 'client-random' | 'none'; binding?: Uint8Array; endorsements?: Uint8Array[]; extensionOid?: string }) {
    const reportData = raTlsReportData(p384Spki(key.publicKey), parts.binding ?? nonce);
    const report = parts.report ?? chip.signReport({ reportData });
    const evidence = parts.evidence ?? encodeRaTlsEvidence({ bindingKind: parts.bindingKind ?? 'nonce', binding: parts.binding ?? nonce, report, endorsements: parts.endorsements ?? [chip.certDer, vendor.askDer, vendor.arkDer] });
    return issueCertificate({ issuer: name, subject: name, serial: 5n, ...validity, subjectPublicKey: key.publicKey, issuerPrivateKey: key.privateKey, extensions: [x509Extension(parts.extensionOid ?? RA_TLS_EVIDENCE_OID, evidence)] });
  }

  it('the untampered certificate verifies (the baseline)', () => {
    expect(verifyRaTlsSession(input(certWith({}), full)).evidence.bindingKind).toBe('nonce');
    const issued = issueRaTlsCertificate({ key, chip, bindingKind: 'nonce', binding: nonce, serial: 5n, ...validity });
    expect(verifyRaTlsSession(input(issued, full)).mode).toBe('full');
  });
  it('each report byte range tampered after signing: signature', () => {
    const good = chip.signReport({ reportData: raTlsReportData(p384Spki(key.publicKey), nonce) });
    for (const at of [0x00, 0x38, 0x50, 0x90, 0x1a0, 0x2a0, 0x2e8]) {
      const bad = good.slice();
      bad[at]! ^= 1;
      const r = failure(() => verifyRaTlsSession(input(certWith({ report: bad }), full)));
      expect(r.cls, `byte 0x${at.toString(16)}`).toBe('AttestationError');
    }
  });
  it('a report bound to another key (correctly signed): binding in every mode', () => {
    const other = p384KeyFromRng(world.fork('other'));
    const report = chip.signReport({ reportData: raTlsReportData(p384Spki(other.publicKey), nonce) });
    const cert = certWith({ report });
    expect(failure(() => verifyRaTlsSession(input(cert, full))).code).toBe('binding');
    expect(failure(() => verifyRaTlsSession(input(cert, { mode: 'key-only' }))).code).toBe('binding');
  });
  it('the evidence claims another nonce than the report binds: binding', () => {
    const report = chip.signReport({ reportData: raTlsReportData(p384Spki(key.publicKey), new Uint8Array(16).fill(8)) });
    expect(failure(() => verifyRaTlsSession(input(certWith({ report }), full))).code).toBe('binding');
    expect(failure(() => verifyRaTlsSession(input(certWith({ report }), { mode: 'key-only' }))).code).toBe('binding');
  });
  it('a wrong session value, or the right value of the wrong kind: binding', () => {
    expect(failure(() => verifyRaTlsSession(input(certWith({}), { session: { kind: 'nonce', value: new Uint8Array(16) } }))).code).toBe('binding');
    expect(failure(() => verifyRaTlsSession(input(certWith({}), { session: { kind: 'client-random', value: nonce } }))).code).toBe('binding');
    expect(failure(() => verifyRaTlsSession(input(certWith({}), { mode: 'no-client-nonce' }))).code).toBe('binding');
  });
  it('another vendor root, another chip VCEK, expired: AttestationError chain / signature / expired', () => {
    const otherVendor = SimulatedVendor.create(world.fork('other-vendor'));
    expect(failure(() => verifyRaTlsSession(input(certWith({}), { ...full, trustStore: otherVendor.trustStore() })))).toEqual({ cls: 'AttestationError', code: 'chain' });
    const otherChip = vendor.provisionChip(world.fork('chip-2'), { bootloader: 3, tee: 0, snp: 8, microcode: 115 });
    expect(failure(() => verifyRaTlsSession(input(certWith({}), { ...full, vcek: otherChip.certDer }))).cls).toBe('AttestationError');
    expect(failure(() => verifyRaTlsSession(input(certWith({}), { ...full, atMs: Date.UTC(2051, 0, 1) })))).toEqual({ cls: 'AttestationError', code: 'expired' });
  });
  it('a debug guest under the baseline policy: AttestationError (the policy check names the debug bit)', () => {
    const report = chip.signReport({ reportData: raTlsReportData(p384Spki(key.publicKey), nonce), policy: 0x30000n | (1n << 19n) });
    const r = failure(() => verifyRaTlsSession(input(certWith({ report }), full)));
    expect(r.cls).toBe('AttestationError');
    expect(['policy', 'debug']).toContain(r.code);
  });
  it('no extension, malformed extension, wrong version/format/kind, short report, no VCEK: evidence', () => {
    const report = chip.signReport({ reportData: raTlsReportData(p384Spki(key.publicKey), nonce) });
    const ev = (version: number, format: string, kind: string, rep = report) => derSequence(derInteger(version), derUtf8String(format), derUtf8String(kind), derOctetString(nonce), derOctetString(rep), derSequence());
    const cases: Uint8Array[] = [
      certWith({ extensionOid: '1.3.6.1.4.1.32473.9.9' }),
      certWith({ evidence: Uint8Array.of(0x30, 0x03, 0x02, 0x01) }),
      certWith({ evidence: ev(2, 'sev-snp-report', 'nonce') }),
      certWith({ evidence: ev(1, 'tdx-quote', 'nonce') }),
      certWith({ evidence: ev(1, 'sev-snp-report', 'channel-id') }),
      certWith({ evidence: ev(1, 'sev-snp-report', 'none') }),
      certWith({ evidence: ev(1, 'sev-snp-report', 'nonce', report.subarray(0, 1000)) }),
      certWith({ evidence: concat(ev(1, 'sev-snp-report', 'nonce'), Uint8Array.of(0)) }),
      certWith({ endorsements: [] }),
      Uint8Array.of(0x30, 0x00),
    ];
    for (const [i, cert] of cases.entries()) expect(failure(() => verifyRaTlsSession(input(cert, full))), `case ${i}`).toEqual({ cls: 'TlsError', code: 'evidence' });
  });
});
