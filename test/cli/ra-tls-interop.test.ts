/**
 * `pph ra-tls serve` against independent TLS 1.3 clients on loopback: node:tls (OpenSSL inside
 * node) and the `openssl s_client` binary. Each completes the handshake, exchanges one
 * application-data message, takes the peer certificate, extracts the RA-TLS evidence and
 * verifies it: the report's signature, its chain to the simulated vendor's root (pinned out of
 * band via --root-out), and REPORT_DATA binding the certificate key and this session's
 * ClientHello.random (read from each client's own key log).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { command as evidence } from '../../cli/commands/evidence.js';
import { command as raTls } from '../../cli/commands/ra-tls.js';
import { memoryIo } from '../../cli/io.js';
import { toHex, utf8 } from '../../protocol/bytes.js';
import { parseCertificateDer } from '../../protocol/attestation/amd-cert.js';
import { TrustStore } from '../../protocol/attestation/chain.js';
import { TlsServer } from '../../protocol/tls/connection.js';
import { extractRaTlsEvidence, verifyRaTlsSession } from '../../protocol/tls/ra-tls.js';
import { ecdsaSigner } from '../../protocol/tls/signature.js';
import { SIG } from '../../protocol/tls/messages.js';
import { issueCertificate, p384KeyFromRng, x509Name } from '../../protocol/attestation/x509-issue.js';
import { ChaChaRng } from '../../sim/rng.js';
import { runCommand } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'pph-ra-tls-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const AT = '2030-01-01T00:00:00Z';
const hasOpenssl = spawnSync('openssl', ['version'], { encoding: 'utf8' }).status === 0;

/** Starts `pph ra-tls serve --port 0 --once` in-process; resolves with its port once it listens. */
async function startServer(tag: string) {
  const io = memoryIo();
  const rootOut = join(tmp, `${tag}-ark.pem`);
  const exit = raTls.run(['serve', '--port', '0', '--once', '--seed', '1', '--root-out', rootOut], io);
  for (let i = 0; i < 200 && !io.stdout.some((l) => l.startsWith('listening on')); i++) await new Promise((r) => setTimeout(r, 25));
  const m = /^listening on 127\.0\.0\.1:(\d+)/.exec(io.stdout.find((l) => l.startsWith('listening on')) ?? '');
  if (!m) throw new Error(`server did not start: ${io.stderr.join('\n')}`);
  return { port: Number(m[1]), exit, io, rootOut };
}

function clientRandomFromKeylog(text: string): string {
  const m = /CLIENT_HANDSHAKE_TRAFFIC_SECRET ([0-9a-f]{64}) /.exec(text);
  if (!m) throw new Error(`no client random in key log: ${text}`);
  return m[1]!;
}

/** The vendor store a client builds: the chain carried in the evidence, the root pinned from --root-out. */
function storeFor(rootPem: string, chain: readonly Uint8Array[]) {
  const root = parseCertificateDer(new Uint8Array(Buffer.from(rootPem.replace(/-----[^-]+-----|\s/g, ''), 'base64')));
  const pin = createHash('sha256').update(root.spki).digest('hex');
  return TrustStore.fromPem([...chain], { pinnedRootSpkiSha256: [pin] });
}

describe('pph ra-tls serve with independent TLS 1.3 clients', () => {
  it('node:tls: handshake, one message each way, the evidence verifies and binds this session', async () => {
    const srv = await startServer('node');
    const keylog: string[] = [];
    const result = await new Promise<{ der: Uint8Array; reply: string; protocol: string | null; cipher: string }>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: srv.port, rejectUnauthorized: false, minVersion: 'TLSv1.3', servername: 'enclave.pph.test' });
      socket.setTimeout(15_000, () => socket.destroy(new Error('timeout')));
      socket.on('keylog', (line) => keylog.push(line.toString()));
      socket.on('error', reject);
      socket.on('secureConnect', () => socket.write('hello from node:tls'));
      socket.on('data', (d: Buffer) => {
        const der = new Uint8Array(socket.getPeerCertificate(true).raw);
        const info = { der, reply: d.toString(), protocol: socket.getProtocol(), cipher: socket.getCipher().standardName };
        socket.end(() => resolve(info));
      });
    });
    expect(await srv.exit).toBe(0);
    expect(result.protocol).toBe('TLSv1.3');
    expect(result.cipher).toBe('TLS_AES_128_GCM_SHA256');
    expect(result.reply).toBe('pph ra-tls echo: hello from node:tls');
    const clientRandom = clientRandomFromKeylog(keylog.join(''));
    expect(srv.io.stdout.join('\n')).toContain(`handshake complete; client random ${clientRandom}`);

    const ev = extractRaTlsEvidence(result.der);
    expect(ev.bindingKind).toBe('client-random');
    expect(toHex(ev.binding)).toBe(clientRandom);
    const store = storeFor(readFileSync(srv.rootOut, 'utf8'), ev.endorsements.slice(1));
    const ok = verifyRaTlsSession({ mode: 'full', peerCertificate: result.der, session: { kind: 'client-random', value: ev.binding }, trustStore: store, atMs: Date.parse(AT) });
    expect(ok.attestation.report.version).toBe(3);
    // Another session's random: refused.
    expect(() => verifyRaTlsSession({ mode: 'full', peerCertificate: result.der, session: { kind: 'client-random', value: new Uint8Array(32) }, trustStore: store, atMs: Date.parse(AT) })).toThrow(expect.objectContaining({ code: 'binding' }));
  });

  it('node:tls exportKeyingMaterial equals pph TLS-Exporter (RFC 8446 §7.5) on the same session', async () => {
    const key = p384KeyFromRng(ChaChaRng.fromSeed('exporter-test').fork('key'));
    const name = x509Name('exporter.pph.test', 'pph test');
    const cert = issueCertificate({ issuer: name, subject: name, serial: 3n, notBeforeMs: 0, notAfterMs: 2e12, subjectPublicKey: key.publicKey, issuerPrivateKey: key.privateKey });
    let pphEkm: string | undefined;
    const server = createServer((socket) => {
      const tls = new TlsServer({ rng: ChaChaRng.fromSeed('exporter-test').fork('server'), certificate: ecdsaSigner(SIG.ecdsa_secp384r1_sha384, key.privateKey, [cert]) });
      socket.setTimeout(15_000, () => socket.destroy());
      socket.on('data', (d) => {
        tls.receive(new Uint8Array(d));
        if (tls.connected && pphEkm === undefined) {
          pphEkm = toHex(tls.exportKeyingMaterial('EXPORTER-pph-binding', utf8('ctx'), 32));
          tls.send(utf8('ready'));
        }
        if (tls.peerClosed) tls.close();
        socket.write(tls.takeOutput());
        if (tls.peerClosed) socket.end();
      });
      socket.on('error', () => socket.destroy());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const nodeEkm = await new Promise<string>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, minVersion: 'TLSv1.3' });
      s.setTimeout(15_000, () => s.destroy(new Error('timeout')));
      s.on('error', reject);
      s.on('data', () => {
        const ekm = s.exportKeyingMaterial(32, 'EXPORTER-pph-binding', Buffer.from('ctx')).toString('hex');
        s.end(() => resolve(ekm));
      });
    });
    await new Promise<void>((r) => server.close(() => r()));
    expect(pphEkm).toBeDefined();
    expect(nodeEkm).toBe(pphEkm);
  });

  if (!hasOpenssl) console.warn('[pph] SKIPPED openssl s_client interop: openssl not found on PATH');
  it.skipIf(!hasOpenssl)('openssl s_client: handshake and echo; pph ra-tls extract; pph evidence verify --pin-root exits 0', async () => {
    const srv = await startServer('openssl');
    const keylogFile = join(tmp, 'openssl.keylog');
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn('openssl', ['s_client', '-tls1_3', '-connect', `127.0.0.1:${srv.port}`, '-showcerts', '-keylogfile', keylogFile], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('pph ra-tls echo:')) child.stdin.end();
      });
      child.stdout.once('data', () => child.stdin.write('hello from openssl\n'));
      child.on('error', reject);
      child.on('close', () => {
        clearTimeout(timer);
        resolve(stdout);
      });
    });
    expect(await srv.exit).toBe(0);
    expect(out).toMatch(/New, TLSv1\.3, Cipher is TLS_AES_128_GCM_SHA256/);
    expect(out).toContain('pph ra-tls echo: hello from openssl.');
    const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/.exec(out)![0];
    const certFile = join(tmp, 'openssl-leaf.pem');
    writeFileSync(certFile, pem);

    const report = join(tmp, 'report.bin');
    const vcek = join(tmp, 'vcek.der');
    const chain = join(tmp, 'chain.pem');
    const ex = await runCommand(raTls, ['extract', certFile, '--out', report, '--vcek-out', vcek, '--chain-out', chain, '--json']);
    expect(ex.code).toBe(0);
    const line = JSON.parse(ex.out[0]!) as { binding_kind: string; binding: string; key_bound: boolean };
    expect(line.key_bound).toBe(true);
    expect(line.binding_kind).toBe('client-random');
    expect(line.binding).toBe(clientRandomFromKeylog(readFileSync(keylogFile, 'utf8')));

    const v = await runCommand(evidence, ['verify', '--chain', chain, '--vcek', vcek, '--pin-root', srv.rootOut, '--at', AT, report]);
    expect(v.err).toEqual([]);
    expect(v.code).toBe(0);
    expect(v.out[0]).toMatch(/report\.bin: OK v3/);
    // The same report against AMD's real roots (no --pin-root): refused, exit 1.
    const amd = await runCommand(evidence, ['verify', '--chain', chain, '--vcek', vcek, '--at', AT, report]);
    expect(amd.code).toBe(1);
  });
});

describe('pph ra-tls usage', () => {
  it('refuses a non-loopback host, a missing port, an unknown subcommand (exit 2)', async () => {
    expect((await runCommand(raTls, ['serve', '--port', '0', '--host', '0.0.0.0'])).code).toBe(2);
    expect((await runCommand(raTls, ['serve'])).code).toBe(2);
    expect((await runCommand(raTls, ['listen'])).code).toBe(2);
    expect((await runCommand(raTls, ['extract'])).code).toBe(2);
    expect((await runCommand(raTls, ['extract', join(tmp, 'missing.der')])).code).toBe(2);
  });
  it('extract on a certificate without evidence: exit 1', async () => {
    const key = p384KeyFromRng(ChaChaRng.fromSeed('plain').fork('k'));
    const name = x509Name('plain', 'pph test');
    const file = join(tmp, 'plain.der');
    writeFileSync(file, issueCertificate({ issuer: name, subject: name, serial: 1n, notBeforeMs: 0, notAfterMs: 2e12, subjectPublicKey: key.publicKey, issuerPrivateKey: key.privateKey }));
    const r = await runCommand(raTls, ['extract', file]);
    expect(r.code).toBe(1);
  });
});
