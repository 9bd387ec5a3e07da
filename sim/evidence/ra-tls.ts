/**
 * Profile `ra-tls` (issue 15 §4, docs/profiles.md, docs/ra-tls.md): the client's attested channel
 * to the node is a real TLS 1.3 session (protocol/tls) whose server certificate is an RA-TLS
 * certificate: an X.509 extension carries the node's SEV-SNP report, and REPORT_DATA binds the
 * certificate key and the session (the client's nonce, sent in the ClientHello extension
 * pph_ra_tls_nonce).
 *
 * Wiring (the least invasive one): the ClientHello travels where the pp attest request does (the
 * body of the OHTTP `/attest` request, forwarded by the gateway to the node the client chose); the
 * node's server flight (ServerHello … Finished, with the RA-TLS certificate) comes back where the
 * attestation bundle did, together with the log material of step 4 (release entry, inclusion
 * proof, cosigned checkpoint) in the pp bundle layout; the client's Finished and its request go
 * as TLS records in the body of `/summarise` (prefixed with the ClientHello.random so the enclave
 * finds its session), the answer as TLS application data back. The relay and the gateway see
 * OHTTP and TLS records only.
 *
 * This module holds the enclave's side ({@link RaTlsEnclave}, one per boot) and the simulator's
 * bookkeeping about it (which certificate an honest enclave presented to which session, the
 * credentials of retired instances), which is ground truth, not enclave state.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concat, toHex, utf8 } from '../../protocol/bytes.js';
import type { Rng } from '../../protocol/rng.js';
import { PphError } from '../../protocol/errors.js';
import { encodeBundle } from '../../protocol/attestation-bundle.js';
import { p384KeyFromRng, p384Spki, type P384KeyPair } from '../../protocol/attestation/x509-issue.js';
import { extractRaTlsEvidence, issueRaTlsCertificate, TlsServer, ecdsaSigner, SIG, type ClientHelloInfo, type RaTlsVerifyMode } from '../../protocol/tls/index.js';
import type { ConsistencyStep } from '../log-growth.js';
import { SIM_EPOCH_MS } from '../clock.js';
import { encodeBatch, NODE_MSG } from '../parties/common.js';
import type { World } from '../world.js';
import type { PartyPort } from '../port.js';
import type { WorldChip } from '../world-keys.js';
import type { Defences } from '../../model/profile.js';

/** The session lookup prefix of a `/summarise` body: the ClientHello.random (public: it is in the ClientHello). */
export const SESSION_ID_BYTES = 32;
/** RA-TLS certificates are valid for a day of virtual time. */
const CERT_VALIDITY_MS = 86_400_000;
/** Sessions an enclave keeps open between the handshake and the request (oldest dropped first). */
const MAX_OPEN_SESSIONS = 64;

export class RaTlsSimError extends PphError {}

/** What one enclave's RA-TLS server uses: its own hardware and release, the clock, and its port's trace and claims. */
export interface RaTlsEnclaveEnv {
  chip: Pick<WorldChip, 'signer' | 'certificates'>;
  measurement: Uint8Array;
  releaseEntry: Uint8Array;
  nowMs(): number;
  note: PartyPort['note'];
  tell: PartyPort['tell'];
}

/**
 * The verifier mode of the profile's client: `full` (ra-tls), `key-only` (ra-tls-key-only: the
 * `session-binding` check off), `no-client-nonce` (ra-tls-no-client-nonce: the `client-nonce`
 * defence off, so the client sends no nonce and the enclave's evidence is static).
 */
export function raTlsMode(defences: Pick<Defences, 'client-nonce' | 'session-binding'>): RaTlsVerifyMode {
  if (!defences['client-nonce']) return 'no-client-nonce';
  if (!defences['session-binding']) return 'key-only';
  return 'full';
}

/** The 32-byte identity of a certificate key in the pp bundle's `enclaveKey` slot: SHA-256 of its SubjectPublicKeyInfo. */
export function raTlsKeyId(spki: Uint8Array): Uint8Array {
  return sha256(spki);
}

/** A certificate and its private key, as extracted from a retired enclave instance. */
export interface RaTlsCredential {
  node: number;
  generation: number;
  certificate: Uint8Array;
  privateKey: Uint8Array;
}

interface Book {
  /** `sha256(certificate) | ClientHello.random`: an honest enclave presented this certificate in this session. */
  served: Set<string>;
  /** `sha256(certificate)` of every certificate an honest enclave issued. */
  issued: Set<string>;
  /** Per node, the credentials of its retired instances that had issued a certificate (oldest first). */
  retired: Map<number, RaTlsCredential[]>;
}

const books = new WeakMap<World, Book>();

function book(world: World): Book {
  let b = books.get(world);
  if (!b) books.set(world, (b = { served: new Set(), issued: new Set(), retired: new Map() }));
  return b;
}

/**
 * Ground truth for the `fresh` judgement of an accepted certificate (as pp judges a report): an
 * honest enclave presented it in this very session (the ClientHello.random `clientRandom`); or no
 * honest enclave issued it and its evidence binds this session's nonce (a forgery made for this
 * session is fresh, if not genuine). A genuine certificate presented in another session is stale.
 */
export function freshCertificate(world: World, c: { certificate: Uint8Array; clientRandom: Uint8Array; bindingKind: string; binding: Uint8Array }, nonce: Uint8Array): boolean {
  const b = book(world);
  const h = toHex(sha256(c.certificate));
  if (b.served.has(`${h}|${toHex(c.clientRandom)}`)) return true;
  return !b.issued.has(h) && c.bindingKind === 'nonce' && toHex(c.binding) === toHex(nonce);
}

/** The observer's side of an enclave's claim: it presented `certificate` (its own) in the session of `clientRandom`. */
export function raTlsIssued(world: World, certificate: Uint8Array, clientRandom: Uint8Array): void {
  const h = toHex(sha256(certificate));
  book(world).issued.add(h);
  book(world).served.add(`${h}|${toHex(clientRandom)}`);
}

/** The observer's side of a retired instance's claim: what it left behind. */
export function raTlsRetired(world: World, c: RaTlsCredential): void {
  const b = book(world);
  const list = b.retired.get(c.node) ?? [];
  list.push(c);
  b.retired.set(c.node, list);
}

/** The credentials of node `node`'s retired instances (the `attestation-relay` extraction, sim/adversary.ts). */
export function retiredCredentials(world: World, node: number): readonly RaTlsCredential[] {
  return book(world).retired.get(node) ?? [];
}

/** What the node adds to its server flight for the rest of step 4 (its log material). */
export interface RaTlsLogMaterial {
  nodeId: string;
  releaseEntry: Uint8Array;
  leafIndex: number;
  treeSize: number;
  inclusionProof: Uint8Array[];
  checkpoint: string;
  /** RFC 9162 consistency proofs from earlier checkpoint sizes to this one (the growing log's ladder). */
  consistency?: ConsistencyStep[];
}

/**
 * One boot of an enclave's RA-TLS server: a P-384 certificate key generated inside the TEE, one
 * RA-TLS certificate per session (bound to the client's nonce) or, in the mutant without client
 * nonce, one static certificate for the boot, and the TLS sessions between handshake and request.
 */
export class RaTlsEnclave {
  private readonly key: P384KeyPair;
  /** The key identity clients see (SHA-256 of the SPKI). */
  readonly keyId: Uint8Array;
  private readonly sessions = new Map<string, TlsServer>();
  /** Sessions by the ref of the request being served. */
  private readonly serving = new Map<number, TlsServer>();
  private staticCertificate: Uint8Array | null = null;
  private lastCertificate: Uint8Array | null = null;

  /** A private field: the enclave state walk must not wander into the port. */
  readonly #env: RaTlsEnclaveEnv;

  constructor(
    env: RaTlsEnclaveEnv,
    private readonly node: number,
    private readonly generation: number,
    private readonly rng: Rng,
    private readonly reportFields: { measurement: Uint8Array; hostData: Uint8Array },
  ) {
    this.#env = env;
    this.key = p384KeyFromRng(rng.fork('certificate-key'));
    this.keyId = raTlsKeyId(p384Spki(this.key.publicKey));
  }

  /**
   * A node's new boot (sim/parties/node.ts): the previous instance retires; a fresh certificate key
   * is drawn inside the TEE from the boot's Rng fork, and its key id joins the keys the node generated.
   */
  static boot(previous: RaTlsEnclave | null, env: RaTlsEnclaveEnv, node: number, generation: number, rng: Rng, hostData: Uint8Array): RaTlsEnclave {
    previous?.retire();
    const e = new RaTlsEnclave(env, node, generation, rng.fork(`boot-${generation}-ra-tls`), { measurement: env.measurement, hostData });
    env.tell({ kind: 'key-generated', publicKey: e.keyId });
    return e;
  }

  /** The attest request is a ClientHello: [kind, payload] of the enclave's output (the handshake reply, or an error). */
  attest(ref: number, clientHello: Uint8Array, nodeId: string, release: { leafIndex: number; treeSize: number; proof: Uint8Array[]; checkpoint: string; consistency?: ConsistencyStep[] }): [number, Uint8Array] {
    const env = this.#env;
    try {
      const reply = this.handshake(clientHello, { nodeId, releaseEntry: env.releaseEntry, leafIndex: release.leafIndex, treeSize: release.treeSize, inclusionProof: release.proof, checkpoint: release.checkpoint, consistency: release.consistency });
      env.note('crypto', 'RA-TLS handshake: certificate with attestation report', { ref });
      return [NODE_MSG.evidence, reply];
    } catch (e) {
      const code = e instanceof PphError ? `${e.name}.${e.code}` : 'error';
      env.note('verify', 'ClientHello refused', { ok: false, code });
      return [NODE_MSG.error, utf8(code)];
    }
  }

  /** The boot ends (restart): what an attacker could extract from the retired instance, told to the observer. */
  retire(): void {
    if (!this.lastCertificate) return;
    this.#env.tell({ kind: 'ra-tls-retired', node: this.node, generation: this.generation, certificate: this.lastCertificate, privateKey: this.key.privateKey });
  }

  private certificate(info: ClientHelloInfo): Uint8Array {
    const chip = this.#env.chip;
    const now = SIM_EPOCH_MS + this.#env.nowMs();
    const issue = (bindingKind: 'nonce' | 'none', binding: Uint8Array) =>
      issueRaTlsCertificate({
        key: this.key,
        chip: chip.signer,
        chain: chip.certificates.slice(1),
        bindingKind,
        binding,
        reportFields: { measurement: this.reportFields.measurement, hostData: this.reportFields.hostData, policy: 0x30000n, vmpl: 0 },
        serial: serialOf(this.rng.bytes(16)),
        notBeforeMs: now - 60_000,
        notAfterMs: now + CERT_VALIDITY_MS,
        subjectCn: `enclave-${this.node}.pph.test`,
      });
    // The published finding: a client that sends no nonce gets the boot's static certificate.
    const cert = info.raTlsNonce ? issue('nonce', info.raTlsNonce) : (this.staticCertificate ??= issue('none', new Uint8Array(0)));
    this.lastCertificate = cert;
    this.#env.tell({ kind: 'ra-tls-certificate', certificate: cert, clientRandom: info.hello.random });
    return cert;
  }

  /**
   * Answers a ClientHello: the server flight (with the RA-TLS certificate) and the log material,
   * as a batch [flight, bundle]; the bundle's report and certificates repeat the certificate's
   * evidence so the layout stays the pp bundle's (the client takes them from the certificate).
   */
  handshake(clientHello: Uint8Array, log: RaTlsLogMaterial): Uint8Array {
    let cert: Uint8Array | null = null;
    const server = new TlsServer({
      rng: this.rng,
      certificate: (info) => ecdsaSigner(SIG.ecdsa_secp384r1_sha384, this.key.privateKey, [(cert = this.certificate(info))]),
    });
    server.receive(clientHello);
    const flight = server.takeOutput();
    if (!cert || !server.clientRandom) throw new RaTlsSimError('handshake', 'ClientHello produced no server flight');
    if (server.secrets?.application) this.#env.tell({ kind: 'ra-tls-session', clientRandom: server.clientRandom, clientHandshakeSecret: server.secrets.handshake.clientHandshakeTrafficSecret, clientApplicationSecret: server.secrets.application.clientApplicationTrafficSecret });
    this.sessions.set(toHex(server.clientRandom), server);
    if (this.sessions.size > MAX_OPEN_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const chip = this.#env.chip;
    const reportBytes = extractRaTlsEvidence(cert).report;
    const bundle = encodeBundle({ ...log, enclaveKey: this.keyId, report: reportBytes, certificates: chip.certificates });
    return encodeBatch([flight, bundle]);
  }

  /** Opens an inner request: `ClientHello.random ‖ TLS records` (the client's Finished, then its request as application data). */
  open(ref: number, bytes: Uint8Array): { plaintext: Uint8Array; context: null } {
    if (bytes.length < SESSION_ID_BYTES) throw new RaTlsSimError('truncated', 'RA-TLS request shorter than its session id');
    const id = toHex(bytes.subarray(0, SESSION_ID_BYTES));
    const server = this.sessions.get(id);
    if (!server) throw new RaTlsSimError('no-session', 'no TLS session of this enclave instance for the request');
    this.sessions.delete(id);
    server.receive(bytes.subarray(SESSION_ID_BYTES));
    if (!server.connected) throw new RaTlsSimError('handshake', 'the client did not finish the handshake');
    const data = server.readApplicationData();
    if (data.length === 0) throw new RaTlsSimError('empty', 'no application data in the request');
    this.serving.set(ref, server);
    return { plaintext: concat(...data), context: null };
  }

  /** The answer as TLS application data of the request's session; the session ends with it. */
  seal(ref: number, answer: Uint8Array): Uint8Array {
    const server = this.serving.get(ref);
    if (!server) throw new RaTlsSimError('no-session', 'no TLS session for this answer');
    this.serving.delete(ref);
    server.send(answer);
    server.close();
    return server.takeOutput();
  }

  /** Drops what is left of the request's session (the enclave's erasure). */
  erase(ref: number): void {
    this.serving.delete(ref);
  }
}

/** RFC 5280 §4.1.2.2: a positive serial of at most 20 octets. */
function serialOf(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return (n & ((1n << 127n) - 1n)) | 1n;
}
