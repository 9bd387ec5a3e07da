/**
 * pph's TLS 1.3 client and server against each other: handshake, application data, record
 * fragmentation, KeyUpdate, exporter, determinism; HKDF against node:crypto; and every refusal
 * typed (TlsError with its code).
 */
import { hkdfSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, toHex, utf8 } from '../../protocol/bytes.js';
import { derBitString, derContext, derInteger, derOid, derSequence, derTime } from '../../protocol/attestation/der.js';
import { issueCertificate, p384KeyFromRng, x509Name } from '../../protocol/attestation/x509-issue.js';
import { p256 } from '@noble/curves/nist.js';
import { TlsClient, TlsServer, type TlsClientConfig, type TlsServerConfig } from '../../protocol/tls/connection.js';
import { ALERT, TlsError } from '../../protocol/tls/errors.js';
import { exportKeyingMaterial, hkdfExpandLabel, hkdfExtract, trafficKeys } from '../../protocol/tls/key-schedule.js';
import {
  decodeClientHello,
  encodeClientHello,
  EXT,
  HRR_RANDOM,
  keyShareClient,
  SIG,
  signatureAlgorithmsExtension,
  supportedGroupsExtension,
  supportedVersionsClient,
  type Extension,
} from '../../protocol/tls/messages.js';
import { CONTENT, encodeRecord, RecordDeframer, RecordProtection, MAX_CIPHERTEXT } from '../../protocol/tls/record.js';
import { ecdsaSigner } from '../../protocol/tls/signature.js';
import { ChaChaRng } from '../../sim/rng.js';

const root = ChaChaRng.fromSeed('tls-test');
const certKey = p384KeyFromRng(root.fork('cert-key'));
const name = x509Name('tls.pph.test', 'pph test');
const certDer = issueCertificate({ issuer: name, subject: name, serial: 7n, notBeforeMs: 0, notAfterMs: 2e12, subjectPublicKey: certKey.publicKey, issuerPrivateKey: certKey.privateKey });
const signer = ecdsaSigner(SIG.ecdsa_secp384r1_sha384, certKey.privateKey, [certDer]);

function pair(seed: string, client: Partial<TlsClientConfig> = {}, server: Partial<TlsServerConfig> = {}) {
  const rng = ChaChaRng.fromSeed(seed);
  return {
    client: new TlsClient({ rng: rng.fork('client'), serverName: 'tls.pph.test', ...client }),
    server: new TlsServer({ rng: rng.fork('server'), certificate: signer, ...server }),
  };
}

function handshake(seed = 's1', client: Partial<TlsClientConfig> = {}, server: Partial<TlsServerConfig> = {}) {
  const p = pair(seed, client, server);
  p.server.receive(p.client.start());
  p.client.receive(p.server.takeOutput());
  p.server.receive(p.client.takeOutput());
  return p;
}

function code(f: () => void): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TlsError);
    return (e as TlsError).code;
  }
  return 'accepted';
}

/** A ClientHello body with the given extensions (defaults: the standard set). */
function hello(mutate: (exts: Extension[]) => Extension[] = (e) => e, fields: Partial<Parameters<typeof encodeClientHello>[0]> = {}): Uint8Array {
  const key = new Uint8Array(32).fill(9);
  const exts: Extension[] = [
    supportedGroupsExtension([0x1d]),
    keyShareClient([{ group: 0x1d, key }]),
    supportedVersionsClient([0x0304]),
    signatureAlgorithmsExtension([SIG.ecdsa_secp384r1_sha384]),
  ];
  return encodeRecord(
    CONTENT.handshake,
    encodeClientHello({ legacyVersion: 0x0303, random: new Uint8Array(32).fill(1), legacySessionId: new Uint8Array(0), cipherSuites: [0x1301], legacyCompressionMethods: Uint8Array.of(0), extensions: mutate(exts), ...fields }),
  );
}

describe('handshake and application data', () => {
  it('completes, carries data both ways, agrees on secrets and the exporter', () => {
    const { client, server } = handshake();
    expect(client.connected && server.connected).toBe(true);
    expect(toHex(client.peerCertificates![0]!)).toBe(toHex(certDer));
    expect(server.clientHello!.serverName).toBe('tls.pph.test');
    client.send(utf8('ping'));
    server.receive(client.takeOutput());
    expect(server.readApplicationData().map((d) => Buffer.from(d).toString())).toEqual(['ping']);
    server.send(utf8('pong'));
    client.receive(server.takeOutput());
    expect(client.readApplicationData().map((d) => Buffer.from(d).toString())).toEqual(['pong']);
    expect(toHex(client.secrets!.application!.exporterMasterSecret)).toBe(toHex(server.secrets!.application!.exporterMasterSecret));
    const ekm = client.exportKeyingMaterial('EXPORTER-pph', utf8('ctx'), 32);
    expect(toHex(ekm)).toBe(toHex(server.exportKeyingMaterial('EXPORTER-pph', utf8('ctx'), 32)));
    expect(toHex(ekm)).not.toBe(toHex(client.exportKeyingMaterial('EXPORTER-pph', utf8('other'), 32)));
    expect(client.keyLog()).toMatch(/^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]{64} [0-9a-f]{64}\n/);
  });

  it('is a pure function of the seeds: same seeds, same bytes; other seed, other bytes', () => {
    const run = (seed: string) => {
      const p = pair(seed);
      const ch = p.client.start();
      p.server.receive(ch);
      return toHex(concat(ch, p.server.takeOutput()));
    };
    expect(run('d1')).toBe(run('d1'));
    expect(run('d1')).not.toBe(run('d2'));
  });

  it('bytes delivered one at a time, and 40 KB of data split into records of at most 2^14', () => {
    const p = pair('s2');
    const ch = p.client.start();
    for (const byte of ch) p.server.receive(Uint8Array.of(byte));
    const flight = p.server.takeOutput();
    for (let i = 0; i < flight.length; i += 7) p.client.receive(flight.subarray(i, i + 7));
    p.server.receive(p.client.takeOutput());
    expect(p.server.connected).toBe(true);
    const big = new Uint8Array(40_000).map((_, i) => i & 0xff);
    p.client.send(big);
    const wire = p.client.takeOutput();
    const records = new RecordDeframer().push(wire);
    expect(records).toHaveLength(3);
    for (const r of records) expect(r.fragment.length).toBeLessThanOrEqual(MAX_CIPHERTEXT);
    p.server.receive(wire);
    expect(toHex(concat(...p.server.readApplicationData()))).toBe(toHex(big));
  });

  it('KeyUpdate with update_requested: both sides move to the next traffic secret', () => {
    const { client, server } = handshake('s3');
    client.keyUpdate(true);
    client.send(utf8('after update'));
    server.receive(client.takeOutput());
    expect(Buffer.from(server.readApplicationData()[0]!).toString()).toBe('after update');
    server.send(utf8('reply'));
    client.receive(server.takeOutput()); // the server's KeyUpdate(update_not_requested), then data
    expect(Buffer.from(client.readApplicationData()[0]!).toString()).toBe('reply');
  });

  it('close_notify is seen by the peer', () => {
    const { client, server } = handshake('s4');
    client.close();
    server.receive(client.takeOutput());
    expect(server.peerClosed).toBe(true);
  });

  it('ecdsa_secp256r1_sha256 certificates work too', () => {
    const sk = p256.utils.randomSecretKey(root.fork('p256').bytes(48));
    const p256Cert = issueP256(sk);
    const s = ecdsaSigner(SIG.ecdsa_secp256r1_sha256, sk, [p256Cert]);
    const { client } = handshake('s5', {}, { certificate: s });
    expect(client.connected).toBe(true);
  });
});

describe('HKDF (RFC 5869) against node:crypto hkdfSync', () => {
  it('Expand-Label(Extract(salt, ikm), label, context, L) = hkdfSync(sha256, ikm, salt, HkdfLabel, L)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.string({ minLength: 1, maxLength: 40 }), fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 255 }), (salt, ikm, label, context, length) => {
          const l = utf8(`tls13 ${label}`);
          fc.pre(l.length <= 255);
          const info = concat(Uint8Array.of(length >> 8, length & 0xff, l.length), l, Uint8Array.of(context.length), context);
          const node = new Uint8Array(hkdfSync('sha256', ikm, salt, info, length));
          expect(toHex(hkdfExpandLabel(hkdfExtract(salt, ikm), label, context, length))).toBe(toHex(node));
        }),
      { numRuns: 200, seed: 8446 },
    );
  });
});

describe('the server refuses, typed', () => {
  const server = () => new TlsServer({ rng: ChaChaRng.fromSeed('refuse'), certificate: signer });
  const refuse = (record: Uint8Array) => {
    const s = server();
    return code(() => s.receive(record));
  };
  it('a well-formed ClientHello is accepted (the baseline of the cases below)', () => {
    expect(refuse(hello())).toBe('accepted');
  });
  it('no TLS 1.3 in supported_versions: handshake, alert protocol_version', () => {
    const s = server();
    try {
      s.receive(hello((e) => e.map((x) => (x.type === EXT.supported_versions ? supportedVersionsClient([0x0303]) : x))));
      expect.unreachable();
    } catch (e) {
      expect((e as TlsError).code).toBe('handshake');
      expect((e as TlsError).alert).toBe(ALERT.protocol_version);
      expect(s.alertBytes(e as TlsError)).toEqual(Uint8Array.of(21, 3, 3, 0, 2, 2, 70));
    }
  });
  it('no supported_versions, no key_share, no signature_algorithms, no X25519 share', () => {
    expect(refuse(hello((e) => e.filter((x) => x.type !== EXT.supported_versions)))).toBe('handshake');
    expect(refuse(hello((e) => e.filter((x) => x.type !== EXT.key_share)))).toBe('handshake');
    expect(refuse(hello((e) => e.filter((x) => x.type !== EXT.signature_algorithms)))).toBe('handshake');
    expect(refuse(hello((e) => e.map((x) => (x.type === EXT.key_share ? keyShareClient([{ group: 0x17, key: new Uint8Array(65) }]) : x))))).toBe('handshake');
  });
  it('a signature scheme the server cannot use, a suite it does not have, compression', () => {
    expect(refuse(hello((e) => e.map((x) => (x.type === EXT.signature_algorithms ? signatureAlgorithmsExtension([SIG.rsa_pss_rsae_sha256]) : x))))).toBe('handshake');
    expect(refuse(hello(undefined, { cipherSuites: [0x1302] }))).toBe('handshake');
    expect(refuse(hello(undefined, { legacyCompressionMethods: Uint8Array.of(1, 0) }))).toBe('handshake');
    expect(refuse(hello(undefined, { legacyVersion: 0x0301 }))).toBe('handshake');
  });
  it('an all-zero X25519 share (low-order point): handshake', () => {
    expect(refuse(hello((e) => e.map((x) => (x.type === EXT.key_share ? keyShareClient([{ group: 0x1d, key: new Uint8Array(32) }]) : x))))).toBe('handshake');
  });
  it('a duplicate extension, a truncated hello, trailing bytes: decode', () => {
    expect(refuse(hello((e) => [...e, e[0]!]))).toBe('decode');
    const h = hello();
    const body = h.subarray(5);
    const cut = concat(Uint8Array.of(1), Uint8Array.of(0, 0, body.length - 4 - 3), body.subarray(4, body.length - 3));
    expect(refuse(encodeRecord(CONTENT.handshake, cut))).toBe('decode');
    const extra = concat(Uint8Array.of(1), Uint8Array.of(0, 0, body.length - 4 + 1), body.subarray(4), Uint8Array.of(0));
    expect(refuse(encodeRecord(CONTENT.handshake, extra))).toBe('decode');
  });
  it('the wrong first message, CCS first, data before keys, unknown record type, oversized record', () => {
    expect(refuse(encodeRecord(CONTENT.handshake, Uint8Array.of(2, 0, 0, 0)))).toBe('unexpected-message');
    expect(refuse(encodeRecord(CONTENT.change_cipher_spec, Uint8Array.of(1)))).toBe('unexpected-message');
    expect(refuse(encodeRecord(CONTENT.application_data, new Uint8Array(20)))).toBe('unexpected-message');
    expect(refuse(Uint8Array.of(99, 3, 3, 0, 1, 0))).toBe('unexpected-message');
    expect(refuse(Uint8Array.of(22, 3, 3, 0x48, 0x01))).toBe('record-overflow');
    expect(refuse(Uint8Array.of(22, 4, 3, 0, 1, 0))).toBe('decode');
    expect(refuse(encodeRecord(CONTENT.handshake, new Uint8Array(0)))).toBe('unexpected-message');
  });
  it('a fatal alert from the client: alert, carrying its description', () => {
    const s = server();
    try {
      s.receive(encodeRecord(CONTENT.alert, Uint8Array.of(2, 40)));
      expect.unreachable();
    } catch (e) {
      expect((e as TlsError).code).toBe('alert');
      expect((e as TlsError).alert).toBe(40);
    }
    expect(code(() => s.receive(hello()))).toBe('state');
  });
  it('application data, a plaintext record or a second ClientHello after the keys changed', () => {
    const p = pair('after');
    p.server.receive(p.client.start());
    expect(code(() => p.server.receive(hello()))).toBe('unexpected-message');
  });
});

describe('the client refuses, typed', () => {
  const flightFor = (seed: string, server: Partial<TlsServerConfig> = {}, client: Partial<TlsClientConfig> = {}) => {
    const p = pair(seed, client, server);
    p.server.receive(p.client.start());
    return { ...p, flight: p.server.takeOutput() };
  };
  it('a server Finished or CertificateVerify under another transcript: signature/finished/bad-record-mac', () => {
    const a = flightFor('c1');
    const b = flightFor('c2');
    // b's flight to a's client: other randoms, other keys.
    expect(code(() => a.client.receive(b.flight))).toBe('bad-record-mac');
  });
  it('a certificate whose key does not fit the scheme: certificate', () => {
    const liar = { ...signer, scheme: SIG.ecdsa_secp256r1_sha256 };
    const f = flightFor('c3', { certificate: liar });
    expect(code(() => f.client.receive(f.flight))).toBe('certificate');
  });
  it('a signature by another key: signature', () => {
    const other = p384KeyFromRng(root.fork('other-key'));
    const forged = ecdsaSigner(SIG.ecdsa_secp384r1_sha384, other.privateKey, [certDer]);
    const f = flightFor('c4', { certificate: forged });
    expect(code(() => f.client.receive(f.flight))).toBe('signature');
  });
  it('a P-256 server when the client offers only P-384: the server refuses (handshake); offered, it works', () => {
    const s256 = p256.utils.randomSecretKey(root.fork('p256-b').bytes(48));
    const p256Signer = ecdsaSigner(SIG.ecdsa_secp256r1_sha256, s256, [issueP256(s256)]);
    const h = pair('c5', { signatureSchemes: [SIG.ecdsa_secp384r1_sha384] }, { certificate: p256Signer });
    expect(code(() => h.server.receive(h.client.start()))).toBe('handshake');
    const g = flightFor('c5', { certificate: p256Signer }, { signatureSchemes: [SIG.ecdsa_secp384r1_sha384, SIG.ecdsa_secp256r1_sha256] });
    expect(code(() => g.client.receive(g.flight))).toBe('accepted');
  });
  it('verifyPeer throwing aborts the handshake with its error', () => {
    const f = flightFor('c6', {}, { verifyPeer: () => { throw new TlsError('binding', 'no'); } });
    expect(code(() => f.client.receive(f.flight))).toBe('binding');
    expect(f.client.connected).toBe(false);
  });
  it('HelloRetryRequest, a wrong session id echo, a foreign suite: handshake', () => {
    const sh = (random: Uint8Array, sid: Uint8Array, suite = 0x1301) =>
      encodeRecord(CONTENT.handshake, concat(Uint8Array.of(2, 0, 0, 0), Uint8Array.of(3, 3), random, Uint8Array.of(sid.length), sid, Uint8Array.of(suite >> 8, suite & 0xff, 0), Uint8Array.of(0, 0)));
    const fix = (m: Uint8Array) => { const b = m.slice(); const len = b.length - 9; b[6] = 0; b[7] = len >> 8; b[8] = len & 0xff; return b; };
    for (const [record, want] of [
      [fix(sh(HRR_RANDOM, new Uint8Array(0))), 'handshake'],
      [fix(sh(new Uint8Array(32), new Uint8Array(4))), 'handshake'],
      [fix(sh(new Uint8Array(32), new Uint8Array(0), 0x1303)), 'handshake'],
      [fix(sh(new Uint8Array(32), new Uint8Array(0))), 'handshake'], // no supported_versions
    ] as const) {
      const c = new TlsClient({ rng: ChaChaRng.fromSeed('hrr') });
      c.start();
      expect(code(() => c.receive(record))).toBe(want);
    }
  });
  it('application data before the handshake ends: unexpected-message; send before connected: state', () => {
    const c = new TlsClient({ rng: ChaChaRng.fromSeed('early') });
    expect(code(() => c.send(utf8('x')))).toBe('state');
    expect(code(() => c.exportKeyingMaterial('x', new Uint8Array(0), 16))).toBe('state');
    c.start();
    expect(code(() => c.start())).toBe('state');
  });
});

describe('record protection (RFC 8446 §5.2-5.4)', () => {
  const keys = trafficKeys(new Uint8Array(32).fill(3));
  it('seal/open round trip with padding; the content type is the last non-zero byte', () => {
    const sealed = new RecordProtection(keys).seal(CONTENT.application_data, utf8('abc'), 10);
    const [r] = new RecordDeframer().push(sealed);
    const opened = new RecordProtection(keys).open(r!);
    expect(opened).toEqual({ type: CONTENT.application_data, content: utf8('abc') });
  });
  it('wrong sequence number, flipped header byte, short record: bad-record-mac', () => {
    const sealed = new RecordProtection(keys).seal(CONTENT.application_data, utf8('abc'));
    const [r] = new RecordDeframer().push(sealed);
    expect(code(() => new RecordProtection(keys, 1n).open(r!))).toBe('bad-record-mac');
    expect(code(() => new RecordProtection(keys).open({ ...r!, legacyVersion: 0x0301 }))).toBe('bad-record-mac');
    expect(code(() => new RecordProtection(keys).open({ ...r!, fragment: r!.fragment.subarray(0, 10) }))).toBe('bad-record-mac');
  });
  it('an inner plaintext of zeros only: unexpected-message', () => {
    const sealed = new RecordProtection(keys).seal(0, new Uint8Array(0), 5);
    const [r] = new RecordDeframer().push(sealed);
    expect(code(() => new RecordProtection(keys).open(r!))).toBe('unexpected-message');
  });
  it('the exporter is RFC 8446 §7.5 over the exporter master secret', () => {
    const a = exportKeyingMaterial(new Uint8Array(32).fill(1), 'label', new Uint8Array(0), 20);
    expect(a.length).toBe(20);
    expect(toHex(a)).not.toBe(toHex(exportKeyingMaterial(new Uint8Array(32).fill(2), 'label', new Uint8Array(0), 20)));
  });
  it('ClientHello decode/encode round trip', () => {
    const rec = hello();
    const ch = decodeClientHello(rec.subarray(9));
    expect(toHex(encodeClientHello(ch))).toBe(toHex(rec.subarray(5)));
  });
});

/** A self-signed P-256 certificate, DER written by hand (issueCertificate is P-384 only). */
function issueP256(sk: Uint8Array): Uint8Array {
  const pub = p256.getPublicKey(sk, false);
  const alg = derSequence(derOid('1.2.840.10045.4.3.2')); // ecdsa-with-SHA256
  const spki = derSequence(derSequence(derOid('1.2.840.10045.2.1'), derOid('1.2.840.10045.3.1.7')), derBitString(pub));
  const tbs = derSequence(derContext(0, derInteger(2)), derInteger(9), alg, name, derSequence(derTime(0), derTime(2e12)), name, spki);
  return derSequence(tbs, alg, derBitString(p256.sign(tbs, sk, { format: 'der' })));
}

describe('pph fuzz tls-handshake', () => {
  it('is registered and throws only typed errors (300 runs here; the CLI runs 20000+)', async () => {
    const { fuzzProperty, TARGETS } = await import('../../cli/commands/fuzz.js');
    const target = TARGETS['tls-handshake']!;
    // The sample is a valid ClientHello: the server accepts it, the client (expecting a ServerHello) refuses it, typed.
    expect(code(() => target.parse(target.sample()))).toBe('unexpected-message');
    fc.assert(fuzzProperty(target), { numRuns: 300, seed: 11 });
  });
});
