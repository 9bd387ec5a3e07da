/**
 * `pph ra-tls serve|extract`: a TLS 1.3 server on loopback that presents an RA-TLS certificate
 * (a simulated SEV-SNP report bound to the certificate key and the session), and the client
 * side's tool to pull the evidence out of a certificate for `pph evidence verify`.
 *
 * The server's randomness comes from a seeded stream (`--seed`), so the same seed and the same
 * client hellos give the same certificates; only the peer's bytes vary.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createHash } from 'node:crypto';
import { equalBytes, fromUtf8, toHex, utf8 } from '../../protocol/bytes.js';
import { PphError } from '../../protocol/errors.js';
import { parseCertificateDer, certificateDers } from '../../protocol/attestation/amd-cert.js';
import { SimulatedVendor, SIM_VALID_FROM_MS, SIM_VALID_TO_MS } from '../../protocol/attestation/sim-vendor.js';
import { FIELD } from '../../protocol/attestation/sev-snp-report.js';
import { TlsClient, TlsServer, type CertificateSigner } from '../../protocol/tls/connection.js';
import { SIG } from '../../protocol/tls/messages.js';
import { ecdsaSigner } from '../../protocol/tls/signature.js';
import { issueCertificate, p384KeyFromRng, x509Name } from '../../protocol/attestation/x509-issue.js';
import { TlsError } from '../../protocol/tls/errors.js';
import { describeBinding, extractRaTlsEvidence, issueRaTlsCertificate, raTlsCertificateProvider, raTlsReportData } from '../../protocol/tls/ra-tls.js';
import { writeFileAtomic } from '../../reports/atomic-write.js';
import { ChaChaRng } from '../../sim/rng.js';
import { readBytes } from '../files.js';
import { EXIT_FAILED, EXIT_OK, parseFlags, UsageError, type CliIo, type Command } from '../io.js';

const USAGE = `pph ra-tls serve --port P [--host 127.0.0.1] [--once] [--seed S] [--binding auto|none] [--root-out FILE]
pph ra-tls extract <cert.der|pem> [--out report.bin] [--vcek-out vcek.der] [--chain-out chain.pem] [--json]

  serve     a TLS 1.3 server (TLS_AES_128_GCM_SHA256, X25519, ecdsa_secp384r1_sha384) on loopback
            only, presenting an RA-TLS certificate: a simulated SEV-SNP report whose REPORT_DATA is
            SHA-512("pph RA-TLS v1" || certificate SPKI || binding), the binding being the client's
            pph nonce extension or else its ClientHello.random (--binding none: one static
            certificate, the published finding). It echoes each application-data message.
            --port 0 picks a free port (printed). --once: stop after the first connection.
            --root-out writes the simulated vendor's root (ARK) PEM: the trust anchor to pin.
  extract   reads the evidence extension of a certificate (DER or PEM, e.g. from
            openssl s_client -showcerts) and checks that REPORT_DATA binds the certificate key;
            --out writes the report for pph evidence verify, --vcek-out and --chain-out the
            endorsements carried with it.

example:
  pph ra-tls serve --port 8443 --once --root-out ark.pem &
  openssl s_client -tls1_3 -connect 127.0.0.1:8443 -showcerts </dev/null | openssl x509 -outform der > cert.der
  pph ra-tls extract cert.der --out report.bin --vcek-out vcek.der --chain-out chain.pem
  pph evidence verify --chain chain.pem --vcek vcek.der --pin-root ark.pem report.bin
exit: 0 served / extracted and bound, 1 a handshake failed or the binding does not hold, 2 usage, 130 interrupted`;

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const SOCKET_TIMEOUT_MS = 30_000;
const EXIT_INTERRUPTED = 130;

export const command: Command = {
  name: 'ra-tls',
  summary: 'RA-TLS: a TLS 1.3 server on loopback with attestation evidence in its certificate; extract the evidence',
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === 'serve') return serve(rest, io);
    if (sub === 'extract') return extract(rest, io);
    throw new UsageError(`expected 'serve' or 'extract', got ${sub === undefined ? 'nothing' : `'${sub}'`}`);
  },
};

function pem(der: Uint8Array): string {
  return `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
}

async function serve(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    once: { type: 'boolean' },
    seed: { type: 'string' },
    binding: { type: 'string' },
    'root-out': { type: 'string' },
  });
  if (flags.positionals.length) throw new UsageError(`unexpected argument '${flags.positionals[0]}'`);
  if (flags.str('port') === undefined) throw new UsageError('missing required option --port');
  const port = flags.int('port', 0, 0, 65535);
  const host = flags.str('host') ?? '127.0.0.1';
  // No network beyond loopback.
  if (!LOOPBACK.has(host)) throw new UsageError(`--host must be a loopback address (127.0.0.1, ::1, localhost), got '${host}'`);
  const seed = flags.int('seed', 1, 0, 2 ** 31 - 1);
  const binding = flags.str('binding') ?? 'auto';
  if (binding !== 'auto' && binding !== 'none') throw new UsageError(`--binding expects auto or none, got '${binding}'`);

  const rng = ChaChaRng.fromSeed(seed).fork('ra-tls-serve');
  const vendor = SimulatedVendor.create(rng.fork('vendor'), { product: 'Milan' });
  const chip = vendor.provisionChip(rng.fork('chip'), { bootloader: 3, tee: 0, snp: 8, microcode: 115 });
  const measurement = new Uint8Array(createHash('sha384').update('pph ra-tls serve image').digest());
  const provider = raTlsCertificateProvider({
    rng: rng.fork('tee-key'),
    chip,
    chain: [vendor.askDer, vendor.arkDer],
    reportFields: { measurement, policy: 0x30000n },
    notBeforeMs: SIM_VALID_FROM_MS,
    notAfterMs: SIM_VALID_TO_MS,
    binding,
  });
  const rootOut = flags.str('root-out');
  if (rootOut) writeFileAtomic(rootOut, pem(vendor.arkDer));

  let connections = 0;
  let failures = 0;
  const server: Server = createServer();
  const done = new Promise<number>((resolve) => {
    const onSigint = () => {
      io.err('pph ra-tls serve: interrupted');
      server.close(() => resolve(EXIT_INTERRUPTED));
    };
    process.once('SIGINT', onSigint);
    server.on('close', () => process.removeListener('SIGINT', onSigint));
    server.on('connection', (socket: Socket) => {
      const id = ++connections;
      if (flags.bool('once')) server.close(() => resolve(failures ? EXIT_FAILED : EXIT_OK));
      handleConnection(socket, id, rng, provider.provide, io, () => failures++);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new UsageError(`cannot listen on ${host}:${port}: ${(e as NodeJS.ErrnoException).code ?? e.message}`)));
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  io.out(`listening on ${host}:${actual} (TLS 1.3, RA-TLS, seed ${seed}, binding ${binding})`);
  io.out(`vendor root (ARK) SPKI SHA-256: ${vendor.rootPin}`);
  return done;
}

function handleConnection(socket: Socket, id: number, rng: ChaChaRng, provide: ReturnType<typeof raTlsCertificateProvider>['provide'], io: CliIo, onFailure: () => void): void {
  const tls = new TlsServer({ rng: rng.fork(`connection-${id}`), certificate: provide });
  const peer = `${socket.remoteAddress}:${socket.remotePort}`;
  let announced = false;
  let finished = false;
  socket.setTimeout(SOCKET_TIMEOUT_MS, () => {
    io.err(`connection ${id} from ${peer}: timed out`);
    socket.destroy();
  });
  const flush = () => {
    const out = tls.takeOutput();
    if (out.length) socket.write(out);
  };
  socket.on('data', (chunk: Buffer) => {
    if (finished) return;
    try {
      tls.receive(new Uint8Array(chunk));
      if (tls.connected && !announced) {
        announced = true;
        const info = tls.clientHello!;
        const ev = extractRaTlsEvidence(tls.certificateChain![0]!);
        io.out(`connection ${id} from ${peer}: handshake complete; client random ${toHex(info.hello.random)}; evidence binding ${describeBinding(ev)}`);
      }
      for (const data of tls.readApplicationData()) {
        io.out(`connection ${id}: received ${data.length} bytes`);
        tls.send(utf8(`pph ra-tls echo: ${printable(data)}`));
      }
      if (tls.peerClosed) {
        tls.close();
        finished = true;
        flush();
        socket.end();
        io.out(`connection ${id}: closed by the peer`);
        return;
      }
      flush();
    } catch (e) {
      finished = true;
      onFailure();
      if (!(e instanceof TlsError)) {
        // A bug, not the peer's fault: report it and drop this connection, keep serving.
        io.err(`connection ${id} from ${peer}: internal error: ${(e as Error).stack ?? String(e)}`);
        socket.destroy();
        return;
      }
      io.err(`connection ${id} from ${peer}: ${e.name} [${e.code}]: ${e.message}`);
      try {
        flush();
        if (e.code !== 'alert') socket.write(tls.alertBytes(e));
      } finally {
        socket.end();
      }
    }
  });
  socket.on('error', (e) => io.err(`connection ${id} from ${peer}: socket ${(e as NodeJS.ErrnoException).code ?? e.message}`));
  socket.on('end', () => {
    if (!finished && !tls.connected) {
      onFailure();
      io.err(`connection ${id} from ${peer}: closed before the handshake completed`);
    }
    socket.end();
  });
}

function printable(data: Uint8Array): string {
  try {
    return fromUtf8(data).replace(/[^\x20-\x7e]/g, '.').slice(0, 200);
  } catch {
    return `${data.length} bytes of binary data`;
  }
}

async function extract(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, { out: { type: 'string' }, 'vcek-out': { type: 'string' }, 'chain-out': { type: 'string' }, json: { type: 'boolean' } });
  const [path, ...extra] = flags.positionals;
  if (!path) throw new UsageError('missing the certificate file (DER or PEM)');
  if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}'`);
  const bytes = readBytes(path, 'certificate');
  let der: Uint8Array;
  try {
    // The leaf is the first certificate of a PEM bundle (openssl s_client -showcerts prints it first).
    der = certificateDers(bytes)[0]!;
    parseCertificateDer(der);
  } catch (e) {
    if (!(e instanceof PphError)) throw e;
    throw new UsageError(`${path}: not a certificate (${e.message})`);
  }
  let ev;
  try {
    ev = extractRaTlsEvidence(der);
  } catch (e) {
    if (!(e instanceof TlsError)) throw e;
    io.err(`${path}: ${e.name} [${e.code}]: ${e.message}`);
    return EXIT_FAILED;
  }
  const reportData = ev.report.subarray(FIELD.REPORT_DATA[0], FIELD.REPORT_DATA[0] + FIELD.REPORT_DATA[1]); // SEV-SNP ABI Table 22
  const keyBound = equalBytes(reportData, raTlsReportData(ev.spki, ev.binding));
  const out = flags.str('out');
  const vcekOut = flags.str('vcek-out');
  const chainOut = flags.str('chain-out');
  if (out) writeFileAtomic(out, ev.report);
  if (vcekOut) {
    if (!ev.endorsements[0]) throw new UsageError('--vcek-out: the evidence carries no VCEK');
    writeFileAtomic(vcekOut, ev.endorsements[0]);
  }
  if (chainOut) {
    if (ev.endorsements.length < 2) throw new UsageError('--chain-out: the evidence carries no vendor chain');
    writeFileAtomic(chainOut, ev.endorsements.slice(1).map(pem).join(''));
  }
  if (flags.bool('json')) {
    io.out(
      JSON.stringify({
        file: path,
        binding_kind: ev.bindingKind,
        binding: toHex(ev.binding),
        report_data: toHex(reportData),
        spki_sha256: createHash('sha256').update(ev.spki).digest('hex'),
        key_bound: keyBound,
        endorsements: ev.endorsements.length,
      }),
    );
  } else {
    io.out(`${path}: RA-TLS evidence, SEV-SNP report of ${ev.report.length} bytes, ${ev.endorsements.length} endorsement certificate(s)`);
    io.out(`binding: ${describeBinding(ev)}`);
    io.out(`report data ${keyBound ? 'binds' : 'DOES NOT bind'} the certificate key and that binding: ${toHex(reportData)}`);
    if (out) io.out(`report written to ${out}`);
  }
  return keyBound ? EXIT_OK : EXIT_FAILED;
}

/**
 * `pph fuzz tls-handshake`: arbitrary bytes as the first flight to a fresh TLS 1.3 server
 * (record layer and ClientHello parser) and to a fresh client that sent its ClientHello (record
 * layer and ServerHello parser). Either may only throw a typed error.
 */
export const TLS_FUZZ_TARGET = (() => {
  let world: { signer: CertificateSigner; sample: Uint8Array } | undefined;
  const get = () => {
    if (world === undefined) {
      const rng = ChaChaRng.fromSeed('pph fuzz tls-handshake');
      const key = p384KeyFromRng(rng.fork('key'));
      const name = x509Name('fuzz.pph.test', 'pph fuzz');
      const cert = issueCertificate({ issuer: name, subject: name, serial: 1n, notBeforeMs: SIM_VALID_FROM_MS, notAfterMs: SIM_VALID_TO_MS, subjectPublicKey: key.publicKey, issuerPrivateKey: key.privateKey });
      const sample = new TlsClient({ rng: rng.fork('sample'), serverName: 'fuzz.pph.test', raTlsNonce: new Uint8Array(32).fill(7) }).start();
      world = { signer: ecdsaSigner(SIG.ecdsa_secp384r1_sha384, key.privateKey, [cert]), sample };
    }
    return world;
  };
  return {
    what: 'TLS 1.3 record layer, ClientHello (server side) and ServerHello (client side) parsers',
    parse(bytes: Uint8Array): unknown {
      const w = get();
      const rng = ChaChaRng.fromSeed('pph fuzz tls-handshake run');
      let first: unknown;
      try {
        new TlsServer({ rng: rng.fork('server'), certificate: w.signer }).receive(bytes);
      } catch (e) {
        if (!(e instanceof PphError)) throw e;
        first = e;
      }
      const client = new TlsClient({ rng: rng.fork('client') });
      client.start();
      client.receive(bytes);
      if (first !== undefined) throw first;
      return undefined;
    },
    sample: () => get().sample,
  };
})();

/**
 * `pph fuzz ra-tls-certificate`: the RA-TLS certificate reader (X.509, the evidence extension,
 * the SEV-SNP report inside it). A valid certificate of the simulated vendor is the corpus seed.
 */
export const RA_TLS_CERT_FUZZ_TARGET = (() => {
  let sample: Uint8Array | undefined;
  return {
    what: 'RA-TLS certificate: X.509, the evidence extension and the report it carries',
    parse: (bytes: Uint8Array): unknown => extractRaTlsEvidence(bytes),
    sample(): Uint8Array {
      if (sample === undefined) {
        const rng = ChaChaRng.fromSeed('pph fuzz ra-tls-certificate');
        const vendor = SimulatedVendor.create(rng.fork('vendor'), { product: 'Milan' });
        const chip = vendor.provisionChip(rng.fork('chip'), { bootloader: 3, tee: 0, snp: 8, microcode: 115 });
        sample = issueRaTlsCertificate({ key: p384KeyFromRng(rng.fork('key')), chip, bindingKind: 'nonce', binding: new Uint8Array(32).fill(9), serial: 1n, notBeforeMs: SIM_VALID_FROM_MS, notAfterMs: SIM_VALID_TO_MS });
      }
      return sample;
    },
  };
})();
