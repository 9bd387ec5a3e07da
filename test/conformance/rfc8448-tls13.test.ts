/**
 * RFC 8448 §3 "Simple 1-RTT Handshake", byte for byte: both sides of pph's TLS 1.3 driven with
 * the trace's randoms and ephemeral keys reproduce every secret, key, IV, handshake message and
 * protected record. The RSA-PSS CertificateVerify is randomized and the vector carries no server
 * private key: the vector's signature must verify, and the server side is given it through its
 * signer, which checks it was asked to sign exactly the content that signature covers.
 */
import { constants, createHash, createHmac, hkdfSync, X509Certificate, verify as cryptoVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { concat, fromHex, toHex, utf8 } from '../../protocol/bytes.js';
import { TlsClient, TlsServer } from '../../protocol/tls/connection.js';
import { TlsError } from '../../protocol/tls/errors.js';
import {
  applicationSecrets,
  deriveSecret,
  exportKeyingMaterial,
  finishedVerifyData,
  handshakeSecrets,
  hkdfExpandLabel,
  hkdfExtract,
  trafficKeys,
} from '../../protocol/tls/key-schedule.js';
import {
  certificateVerifyContent,
  decodeCertificate,
  decodeCertificateVerify,
  EXT,
  HandshakeBuffer,
  pskModesExtension,
  recordSizeLimitExtension,
  serverNameExtension,
  supportedGroupsExtension,
} from '../../protocol/tls/messages.js';
import { CONTENT, encodeRecord, RecordDeframer, RecordProtection } from '../../protocol/tls/record.js';
import { FixedRng } from '../helpers/fixed-rng.js';
import { describeVectors, readVectorJson } from '../helpers/vectors.js';

type Vector = Record<string, string>;

const GROUPS = [0x001d, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104];
const SCHEMES = [0x0403, 0x0503, 0x0603, 0x0203, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0201, 0x0402, 0x0502, 0x0602, 0x0202];

describeVectors('RFC 8448 §3 Simple 1-RTT Handshake (TLS_AES_128_GCM_SHA256, X25519)', () => {
  const v = readVectorJson<Vector>('tls', 'rfc8448-simple-1rtt.json');
  const b = (k: string) => fromHex(v[k]!, k);
  const hex = (k: string) => v[k]!;
  const H = (...m: Uint8Array[]) => new Uint8Array(createHash('sha256').update(concat(...m)).digest());

  // The server flight as four messages, split by their handshake headers.
  const flight = new HandshakeBuffer().push(b('server_flight'));
  const [ee, certMsg, cvMsg, finMsg] = flight;
  const certDer = decodeCertificate(certMsg!.body).chain[0]!;
  const cv = decodeCertificateVerify(cvMsg!.body);
  const cvContent = certificateVerifyContent('server', H(b('client_hello'), b('server_hello'), ee!.raw, certMsg!.raw));

  const clientConfig = () => ({
    rng: new FixedRng(b('client_hello').subarray(6, 38), b('client_ephemeral_private_key')),
    serverName: 'server',
    cipherSuites: [0x1301, 0x1303, 0x1302],
    groups: GROUPS,
    signatureSchemes: SCHEMES,
    // RFC 8448 §3 ClientHello extension order, with the three legacy extensions it also sends.
    extensions: (s: Parameters<NonNullable<ConstructorParameters<typeof TlsClient>[0]['extensions']>>[0]) => [
      s.serverName!,
      { type: EXT.renegotiation_info, data: Uint8Array.of(0) },
      s.supportedGroups,
      { type: EXT.session_ticket, data: new Uint8Array(0) },
      s.keyShare,
      s.supportedVersions,
      s.signatureAlgorithms,
      pskModesExtension([1]),
      recordSizeLimitExtension(0x4001),
    ],
  });

  const serverSigner = {
    scheme: cv.scheme,
    chain: [certDer],
    sign(content: Uint8Array): Uint8Array {
      // The vector's signature is what an honest signer returns for exactly this content.
      expect(toHex(content)).toBe(toHex(cvContent));
      return cv.signature;
    },
  };
  const serverConfig = () => ({
    rng: new FixedRng(b('server_hello').subarray(6, 38), b('server_ephemeral_private_key')),
    certificate: serverSigner,
    encryptedExtensions: () => [supportedGroupsExtension(GROUPS), recordSizeLimitExtension(0x4001), serverNameExtension()],
  });

  describe('key schedule (RFC 8446 §7.1)', () => {
    const helloHash = H(b('client_hello'), b('server_hello'));
    const hs = handshakeSecrets(b('shared_secret'), helloHash);
    const app = applicationSecrets(hs.masterSecret, H(b('client_hello'), b('server_hello'), b('server_flight')));

    it('hello hash and every secret', () => {
      expect(toHex(helloHash)).toBe(hex('hello_hash'));
      expect(toHex(hs.earlySecret)).toBe(hex('early_secret'));
      expect(toHex(hs.derivedForHandshake)).toBe(hex('derived_for_handshake'));
      expect(toHex(hs.handshakeSecret)).toBe(hex('handshake_secret'));
      expect(toHex(hs.clientHandshakeTrafficSecret)).toBe(hex('client_handshake_traffic_secret'));
      expect(toHex(hs.serverHandshakeTrafficSecret)).toBe(hex('server_handshake_traffic_secret'));
      expect(toHex(hs.masterSecret)).toBe(hex('master_secret'));
      expect(toHex(app.clientApplicationTrafficSecret)).toBe(hex('client_application_traffic_secret'));
      expect(toHex(app.serverApplicationTrafficSecret)).toBe(hex('server_application_traffic_secret'));
      expect(toHex(app.exporterMasterSecret)).toBe(hex('exporter_master_secret'));
    });

    it('traffic keys and IVs (RFC 8446 §7.3)', () => {
      const pairs: [Uint8Array, string][] = [
        [hs.serverHandshakeTrafficSecret, 'server_handshake'],
        [hs.clientHandshakeTrafficSecret, 'client_handshake'],
        [app.serverApplicationTrafficSecret, 'server_application'],
        [app.clientApplicationTrafficSecret, 'client_application'],
      ];
      for (const [secret, name] of pairs) {
        const k = trafficKeys(secret);
        expect(toHex(k.key)).toBe(hex(`${name}_key`));
        expect(toHex(k.iv)).toBe(hex(`${name}_iv`));
      }
    });

    it('both Finished verify_data (RFC 8446 §4.4.4)', () => {
      const sf = finishedVerifyData(hs.serverHandshakeTrafficSecret, H(b('client_hello'), b('server_hello'), ee!.raw, certMsg!.raw, cvMsg!.raw));
      expect(toHex(sf)).toBe(hex('server_finished_verify_data'));
      expect(toHex(finMsg!.body)).toBe(hex('server_finished_verify_data'));
      const cf = finishedVerifyData(hs.clientHandshakeTrafficSecret, H(b('client_hello'), b('server_hello'), b('server_flight')));
      expect(toHex(cf)).toBe(hex('client_finished_verify_data'));
    });

    it('the same chain computed with node:crypto hkdfSync and a hand-built HkdfLabel', () => {
      // HkdfLabel (RFC 8446 §7.1), written out without the code under test.
      const label = (l: string, ctx: Uint8Array, len: number) => {
        const full = utf8(`tls13 ${l}`);
        return concat(Uint8Array.of(len >> 8, len & 0xff, full.length), full, Uint8Array.of(ctx.length), ctx);
      };
      // hkdfSync = Expand(Extract(salt, ikm), info): each step of the schedule is one call.
      const node = (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, len = 32) => toHex(new Uint8Array(hkdfSync('sha256', ikm, salt, info, len)));
      const zeros = new Uint8Array(32);
      const empty = H();
      expect(node(zeros, zeros, label('derived', empty, 32))).toBe(hex('derived_for_handshake'));
      expect(node(b('shared_secret'), b('derived_for_handshake'), label('c hs traffic', helloHash, 32))).toBe(hex('client_handshake_traffic_secret'));
      expect(node(b('shared_secret'), b('derived_for_handshake'), label('s hs traffic', helloHash, 32))).toBe(hex('server_handshake_traffic_secret'));
      const derived2 = fromHex(node(b('shared_secret'), b('derived_for_handshake'), label('derived', empty, 32)));
      const fullHash = H(b('client_hello'), b('server_hello'), b('server_flight'));
      expect(node(zeros, derived2, label('c ap traffic', fullHash, 32))).toBe(hex('client_application_traffic_secret'));
      expect(node(zeros, derived2, label('s ap traffic', fullHash, 32))).toBe(hex('server_application_traffic_secret'));
      expect(node(zeros, derived2, label('exp master', fullHash, 32))).toBe(hex('exporter_master_secret'));
      // And pph's primitives against node on the same inputs.
      expect(toHex(hkdfExtract(b('derived_for_handshake'), b('shared_secret')))).toBe(hex('handshake_secret'));
      expect(toHex(hkdfExpandLabel(b('handshake_secret'), 'c hs traffic', helloHash, 32))).toBe(hex('client_handshake_traffic_secret'));
      expect(toHex(deriveSecret(b('handshake_secret'), 's hs traffic', helloHash))).toBe(hex('server_handshake_traffic_secret'));
    });

    it('exporter (RFC 8446 §7.5) equals its definition through hkdfSync', () => {
      const ours = exportKeyingMaterial(b('exporter_master_secret'), 'EXPORTER-pph-test', utf8('ctx'), 48);
      const lab = (l: string, ctx: Uint8Array, len: number) => {
        const full = utf8(`tls13 ${l}`);
        return concat(Uint8Array.of(len >> 8, len & 0xff, full.length), full, Uint8Array.of(ctx.length), ctx);
      };
      // hkdfSync always extracts first, so the final HKDF-Expand (RFC 5869 §2.3: T(1) ‖ T(2)) is written out with node HMAC.
      const secret = deriveSecret(b('exporter_master_secret'), 'EXPORTER-pph-test', H());
      const info = lab('exporter', H(utf8('ctx')), 48);
      const hm = (key: Uint8Array, data: Uint8Array) => new Uint8Array(createHmac('sha256', key).update(data).digest());
      const t1 = hm(secret, concat(info, Uint8Array.of(1)));
      const t2 = hm(secret, concat(t1, info, Uint8Array.of(2)));
      expect(toHex(ours)).toBe(toHex(concat(t1, t2).subarray(0, 48)));
    });
  });

  it("the vector's CertificateVerify (rsa_pss_rsae_sha256) verifies under the certificate's key", () => {
    expect(cv.scheme).toBe(0x0804);
    const key = new X509Certificate(certDer).publicKey;
    expect(cryptoVerify('sha256', cvContent, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, cv.signature)).toBe(true);
    const tampered = cv.signature.slice();
    tampered[5]! ^= 1;
    expect(cryptoVerify('sha256', cvContent, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, tampered)).toBe(false);
  });

  it('client: ClientHello, then the client Finished record and application data, byte-exact', () => {
    const client = new TlsClient(clientConfig());
    const chRecord = client.start();
    // RFC 8448 §3: the ClientHello record uses legacy_record_version 0x0301.
    expect(toHex(chRecord)).toBe(toHex(encodeRecord(CONTENT.handshake, b('client_hello'), 0x0301)));
    client.receive(encodeRecord(CONTENT.handshake, b('server_hello')));
    client.receive(b('record_server_flight'));
    expect(client.connected).toBe(true);
    expect(toHex(client.takeOutput())).toBe(hex('record_client_finished'));
    const s = client.secrets!;
    expect(toHex(s.sharedSecret)).toBe(hex('shared_secret'));
    expect(toHex(s.handshake.handshakeSecret)).toBe(hex('handshake_secret'));
    expect(toHex(s.application!.exporterMasterSecret)).toBe(hex('exporter_master_secret'));
    expect(toHex(s.clientFinished!)).toBe(hex('client_finished_verify_data'));
    expect(toHex(client.peerCertificates![0]!)).toBe(toHex(certDer));
    client.send(b('app_payload'));
    expect(toHex(client.takeOutput())).toBe(hex('record_client_data'));
  });

  it('client: opens the server application record (sequence number 1, after the NewSessionTicket)', () => {
    const rp = new RecordProtection({ key: b('server_application_key'), iv: b('server_application_iv') }, 1n);
    const [record] = new RecordDeframer().push(b('record_server_data'));
    const opened = rp.open(record!);
    expect(opened.type).toBe(CONTENT.application_data);
    expect(toHex(opened.content)).toBe(hex('app_payload'));
  });

  it('server: ServerHello and the encrypted flight, byte-exact; the client Finished accepted; its data record', () => {
    const server = new TlsServer(serverConfig());
    server.receive(encodeRecord(CONTENT.handshake, b('client_hello'), 0x0301));
    const out = server.takeOutput();
    const records = new RecordDeframer().push(out);
    expect(records).toHaveLength(2);
    expect(toHex(encodeRecord(records[0]!.type, records[0]!.fragment))).toBe(toHex(encodeRecord(CONTENT.handshake, b('server_hello'))));
    expect(toHex(encodeRecord(records[1]!.type, records[1]!.fragment))).toBe(hex('record_server_flight'));
    expect(toHex(server.secrets!.handshake.serverHandshakeTrafficSecret)).toBe(hex('server_handshake_traffic_secret'));
    server.receive(b('record_client_finished'));
    expect(server.connected).toBe(true);
    server.receive(b('record_client_data'));
    expect(toHex(server.readApplicationData()[0]!)).toBe(hex('app_payload'));
    // The server's data record is at sequence number 1: send one record first (in RFC 8448 the
    // NewSessionTicket; pph does not issue tickets), then the payload.
    server.send(utf8('record at sequence 0'));
    server.takeOutput();
    server.send(b('app_payload'));
    expect(toHex(server.takeOutput())).toBe(hex('record_server_data'));
  });

  it('the exporter of both sides agrees and derives from the vector exporter_master_secret', () => {
    const client = new TlsClient(clientConfig());
    const server = new TlsServer(serverConfig());
    server.receive(client.start());
    client.receive(server.takeOutput());
    server.receive(client.takeOutput());
    const a = client.exportKeyingMaterial('EXPORTER-pph', new Uint8Array(0), 32);
    expect(toHex(a)).toBe(toHex(server.exportKeyingMaterial('EXPORTER-pph', new Uint8Array(0), 32)));
    expect(toHex(a)).toBe(toHex(exportKeyingMaterial(b('exporter_master_secret'), 'EXPORTER-pph', new Uint8Array(0), 32)));
  });

  describe('negative: the client refuses each tampered piece of the server flight', () => {
    const run = (mutate: (flight: Uint8Array) => Uint8Array, sh = b('server_hello')) => {
      const client = new TlsClient(clientConfig());
      client.start();
      client.receive(encodeRecord(CONTENT.handshake, sh));
      client.receive(mutate(b('record_server_flight')));
    };
    const code = (f: () => void) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(TlsError);
        return (e as TlsError).code;
      }
      return 'accepted';
    };
    it('one flipped ciphertext bit: bad-record-mac', () => {
      expect(code(() => run((f) => { const m = f.slice(); m[100]! ^= 1; return m; }))).toBe('bad-record-mac');
    });
    it('a flipped tag bit: bad-record-mac', () => {
      expect(code(() => run((f) => { const m = f.slice(); m[m.length - 1]! ^= 0x80; return m; }))).toBe('bad-record-mac');
    });
    it('a truncated record waits, a record with a wrong length field is refused', () => {
      expect(code(() => run((f) => f.subarray(0, f.length - 1)))).toBe('accepted');
      expect(code(() => run((f) => { const m = f.slice(); m[4]! -= 1; return m; }))).toBe('bad-record-mac');
    });
    it('another server random (transcript changes): bad-record-mac under the derived keys', () => {
      const sh = b('server_hello').slice();
      sh[10]! ^= 1;
      expect(code(() => run((f) => f, sh))).toBe('bad-record-mac');
    });
    it('a forged key share: the handshake keys differ (bad-record-mac)', () => {
      const sh = b('server_hello').slice();
      sh[sh.length - 10]! ^= 1;
      expect(code(() => run((f) => f, sh))).toBe('bad-record-mac');
    });
    it('server chose a suite not offered: handshake', () => {
      const sh = b('server_hello').slice();
      sh[39]! = 0x13; sh[40]! = 0x02; // TLS_AES_256_GCM_SHA384 (offered but not implemented)
      expect(code(() => run((f) => f, sh))).toBe('handshake');
    });
    it('tampered CertificateVerify or Finished, re-encrypted: signature / finished', () => {
      const hs = handshakeSecrets(b('shared_secret'), H(b('client_hello'), b('server_hello')));
      const reseal = (msgs: Uint8Array) => new RecordProtection(trafficKeys(hs.serverHandshakeTrafficSecret)).seal(CONTENT.handshake, msgs);
      const flip = (msg: Uint8Array, at: number) => { const m = msg.slice(); m[at]! ^= 1; return m; };
      expect(code(() => run(() => reseal(concat(ee!.raw, certMsg!.raw, flip(cvMsg!.raw, 20), finMsg!.raw))))).toBe('signature');
      expect(code(() => run(() => reseal(concat(ee!.raw, certMsg!.raw, cvMsg!.raw, flip(finMsg!.raw, 10)))))).toBe('finished');
      expect(code(() => run(() => reseal(concat(ee!.raw, flip(certMsg!.raw, 200), cvMsg!.raw, finMsg!.raw))))).not.toBe('accepted');
      expect(code(() => run(() => reseal(concat(certMsg!.raw, ee!.raw, cvMsg!.raw, finMsg!.raw))))).toBe('unexpected-message');
    });
    it('the server refuses a tampered client Finished: finished', () => {
      const server = new TlsServer(serverConfig());
      server.receive(encodeRecord(CONTENT.handshake, b('client_hello'), 0x0301));
      const hs = server.secrets!.handshake;
      const bad = new RecordProtection(trafficKeys(hs.clientHandshakeTrafficSecret)).seal(CONTENT.handshake, concat(Uint8Array.of(20, 0, 0, 32), new Uint8Array(32)));
      expect(code(() => server.receive(bad))).toBe('finished');
    });
    it('the server refuses a ClientHello without X25519 key share: handshake', () => {
      const server = new TlsServer(serverConfig());
      const ch = b('client_hello');
      const mutated = ch.slice();
      // key_share: type 0033, length 0026, client_shares length 0024, group 001d: make it 0x001e (x448).
      const hexAt = toHex(ch).indexOf('003300260024001d0020');
      expect(hexAt % 2).toBe(0);
      const at = hexAt / 2 + 7;
      expect(mutated[at]).toBe(0x1d);
      mutated[at]! = 0x1e;
      expect(code(() => server.receive(encodeRecord(CONTENT.handshake, mutated)))).toBe('handshake');
    });
  });
});
