/**
 * The client's side of profile `ra-tls` (sim/evidence/ra-tls.ts, docs/ra-tls.md): a TLS 1.3
 * client per attempt, driven by the client's seeded Rng. Step 4 is `verifyRaTlsSession` on the
 * certificate the handshake authenticated (mode `full`, or a mutant's), then the pp client's
 * checks that apply (chain with the vendor CRL, TCB from the VCEK, policy, HOST_DATA, measurement
 * in the log by inclusion proof, witnesses, log and key consistency) through the one bundle
 * checker, on the certificate's report and the node's log material.
 */
import { toHex } from '../../protocol/bytes.js';
import { PphError } from '../../protocol/errors.js';
import type { Rng } from '../../protocol/rng.js';
import { encodeBundle, parseBundle } from '../../protocol/attestation-bundle.js';
import { BASELINE_POLICY } from '../../protocol/attestation/verifier.js';
import { TlsClient, verifyRaTlsSession } from '../../protocol/tls/index.js';
import type { EvidenceChecks } from '../../model/intents.js';
import { SIM_EPOCH_MS } from '../clock.js';
import type { PartyPort } from '../port.js';
import { checkBundle, type BundleCheck, type LogViewState } from '../evidence-check.js';
import { RaTlsSimError, raTlsKeyId, raTlsMode, SESSION_ID_BYTES } from '../evidence/ra-tls.js';
import type { ClientConfig } from './client.js';
import { decodeBatch } from './common.js';
import { concat } from '../../protocol/bytes.js';

interface Session {
  requestId: string;
  nonce: Uint8Array;
  tls: TlsClient;
  /** The client's Finished and request records went out. */
  sent: boolean;
}

export class RaTlsClientSide {
  private session: Session | null = null;

  private readonly rng: Rng;
  private readonly user: string;

  constructor(private readonly port: PartyPort<ClientConfig>) {
    this.rng = port.rng;
    this.user = port.name;
  }

  /** A new TLS session for this attempt: the ClientHello record (the body of the attest request). */
  hello(requestId: string, nonce: Uint8Array, node: string): Uint8Array {
    const mode = raTlsMode(this.port.config.defences);
    const tls = new TlsClient({ rng: this.rng, serverName: `${node}.pph.test`, ...(mode === 'no-client-nonce' ? {} : { raTlsNonce: nonce }) });
    this.session = { requestId, nonce, tls, sent: false };
    return tls.start();
  }

  /** Step 4: the server flight through the TLS client, then the RA-TLS evidence, then the pp checks. */
  verify(requestId: string, reply: Uint8Array, checks: EvidenceChecks, view: LogViewState, keyDigest: string, chosenNode: string | null): BundleCheck {
    const s = this.session;
    if (!s || s.requestId !== requestId) return { ok: false, code: 'no-session', nodeId: null };
    let flight: Uint8Array;
    let log;
    try {
      const items = decodeBatch(reply, 2);
      if (items.length !== 2) return { ok: false, code: 'parse', nodeId: null };
      flight = items[0]!;
      log = parseBundle(items[1]!);
    } catch {
      return { ok: false, code: 'parse', nodeId: null };
    }
    try {
      s.tls.receive(flight);
    } catch (e) {
      return { ok: false, code: `tls-${e instanceof PphError ? e.code : 'error'}`, nodeId: log.nodeId };
    }
    const cert = s.tls.peerCertificates?.[0];
    if (!s.tls.connected || !cert || !s.tls.clientRandom) return { ok: false, code: 'tls-handshake', nodeId: log.nodeId };
    let verified;
    try {
      verified = verifyRaTlsSession({
        mode: raTlsMode(this.port.config.defences),
        peerCertificate: cert,
        session: { kind: 'nonce', value: s.nonce },
        trustStore: this.port.config.trust.keys.trust,
        atMs: SIM_EPOCH_MS + this.port.nowMs(),
        policy: { ...BASELINE_POLICY, minTcb: this.port.config.trust.minTcb },
      });
    } catch (e) {
      return { ok: false, code: e instanceof PphError ? e.code : 'evidence', nodeId: log.nodeId };
    }
    // The rest of step 4 on the certificate's report, key and endorsements (the node's copies are ignored).
    const bundle = encodeBundle({ ...log, enclaveKey: raTlsKeyId(verified.evidence.spki), report: verified.evidence.report, certificates: [...verified.evidence.endorsements] });
    // REPORT_DATA was checked by verifyRaTlsSession (its formula is RA-TLS's, not the pp binding).
    // Freshness is the observer's judgement, on the certificate and this session (the claim carries them).
    const raTls = { certificate: cert, clientRandom: s.tls.clientRandom, bindingKind: verified.evidence.bindingKind, binding: verified.evidence.binding };
    return checkBundle(this.port, requestId, bundle, s.nonce, { ...checks, binding: false }, view, keyDigest, chosenNode, raTls);
  }

  /** The inner request: `ClientHello.random ‖ client Finished ‖ request as application data`. */
  seal(requestId: string, plaintext: Uint8Array): Uint8Array {
    const s = this.session;
    if (!s || s.requestId !== requestId || !s.tls.connected) throw new Error(`${this.user}: RA-TLS request without a connected session`);
    s.tls.send(plaintext);
    s.sent = true;
    return concat(s.tls.clientRandom!.subarray(0, SESSION_ID_BYTES), s.tls.takeOutput());
  }

  /** Whether the request of `requestId` went out over this attempt's session (an answer may arrive). */
  sent(requestId: string): boolean {
    return this.session?.requestId === requestId && this.session.sent;
  }

  /** The answer: TLS application data of the session (then close_notify). Throws TlsError. */
  open(requestId: string, records: Uint8Array): Uint8Array {
    const s = this.session;
    if (!s || s.requestId !== requestId) throw new Error(`${this.user}: RA-TLS answer without its session`);
    s.tls.receive(records);
    const data = s.tls.readApplicationData();
    if (data.length === 0) throw new RaTlsSimError('empty', 'no application data in the answer');
    return concat(...data);
  }

  /** The session's id for traces. */
  describe(): string {
    return this.session?.tls.clientRandom ? toHex(this.session.tls.clientRandom).slice(0, 16) : '-';
  }
}
