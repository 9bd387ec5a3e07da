/**
 * 9. vendor-key-leak (THREATS.md): a physical attack leaked chip signing keys; with the operator's
 * position it forges perfect evidence for a rogue key of its own (logged measurement, right
 * policy and TCB, the client's nonce) and reads the requests sealed to it. Outside the trust
 * model: the harness must show the confidentiality loss, bounded to the requests it hijacks.
 */
import fc from 'fast-check';
import { sha384 } from '@noble/hashes/sha2.js';
import { utf8 } from '../protocol/bytes.js';
import { encodeBundle, parseBundle, reportDataBinding } from '../protocol/attestation-bundle.js';
import type { Adversary, Powers } from '../sim/adversary.js';
import { ecdsaSigner, issueRaTlsCertificate, SIG } from '../protocol/tls/index.js';
import { p384KeyFromRng } from '../protocol/attestation/x509-issue.js';
import { SIM_EPOCH_MS } from '../sim/clock.js';
import { TlsTerminator } from './ra-tls-terminator.js';
import { NODE_MSG, nodeMessage } from '../sim/parties/common.js';
import { RogueNode } from './forge.js';
import { RELEASED_HOST_DATA } from '../tee/enclave-program.js';
import { gpuBoundForgery } from '../sim/evidence/gpu.js';

export interface LeakPlan {
  /** Attest replies to hijack, by index. */
  hijack: number[];
  /** Forge for a malicious image that is not in the log (instead of claiming the logged one). */
  unlogged: boolean;
}

export const vendorKeyLeak: Adversary<LeakPlan> = {
  name: 'vendor-key-leak',
  description: 'forges perfect evidence with leaked chip keys for a rogue key and reads what is sealed to it',
  positions: ['vendor-key', 'gateway'],
  marks: [],
  plan: (spec) => fc.record({ hijack: fc.uniqueArray(fc.nat({ max: 2 * spec.world.requests + 2 }), { minLength: 1, maxLength: 8 }), unlogged: fc.boolean() }),
  install(powers, plan) {
    // Profile family ra-tls: the same forgery as an RA-TLS certificate, and the operator terminates the client's TLS.
    if (powers.public.evidence === 'ra-tls') return installRaTls(powers, plan);
    const rogue = new RogueNode(powers, 'vendor-key');
    let n = 0;
    powers.onNodeReply((reply) => {
      if (reply.route !== 'attest' || reply.bytes[0] !== NODE_MSG.evidence) return reply.bytes;
      if (!plan.hijack.includes(n++)) return reply.bytes;
      const honest = parseBundle(reply.bytes.subarray(1));
      const chip = powers.key(`chip:${reply.node}`);
      const nonce = reply.nonce === null ? new Uint8Array(0) : Uint8Array.from(Buffer.from(reply.nonce, 'hex'));
      const image = plan.unlogged ? 'pph-enclave 1.0+exfiltrate' : 'pph-enclave 1.0';
      const sign = (reportData: Uint8Array) => chip.signReport({ reportData, measurement: sha384(utf8(`measurement of ${image}`)), hostData: RELEASED_HOST_DATA });
      // Profile pp-gpu: the forgery commits to the node's GPU as well, with its fresh evidence (sim/evidence/gpu.ts).
      const forged = gpuBoundForgery(powers, reply.node, honest, reportDataBinding(rogue.keys.publicKey, nonce), sign);
      powers.note(`forged perfect evidence with node-${reply.node}'s leaked chip key`, { unlogged: plan.unlogged });
      return nodeMessage(NODE_MSG.evidence, encodeBundle({ ...honest, enclaveKey: rogue.keys.publicKey, ...forged }));
    });
  },
};

/**
 * ra-tls: for each hijacked attest reply, a certificate for a P-384 key of its own whose report
 * the leaked chip key signs over that key and the nonce in the client's ClientHello (logged
 * measurement, released HOST_DATA): perfect RA-TLS evidence, then the operator is the TLS server.
 */
function installRaTls(powers: Powers, plan: LeakPlan): void {
  const terminator = new TlsTerminator(powers, 'a certificate forged with a leaked chip key', true);
  const key = p384KeyFromRng(powers.rng.fork('rogue-ra-tls-key'));
  let n = 0;
  powers.onNodeReply((reply) => {
    if (reply.route !== 'attest' || reply.bytes[0] !== NODE_MSG.evidence || reply.node < 0) return reply.bytes;
    if (!plan.hijack.includes(n++)) return reply.bytes;
    const chip = powers.key(`chip:${reply.node}`);
    const image = plan.unlogged ? 'pph-enclave 1.0+exfiltrate' : 'pph-enclave 1.0';
    const out = terminator.terminate(reply, (info) => {
      const now = SIM_EPOCH_MS + powers.now();
      const cert = issueRaTlsCertificate({
        key,
        chip: chip.signer,
        chain: chip.certificates.slice(1),
        bindingKind: info.raTlsNonce ? 'nonce' : 'none',
        binding: info.raTlsNonce ?? new Uint8Array(0),
        reportFields: { measurement: sha384(utf8(`measurement of ${image}`)), hostData: RELEASED_HOST_DATA, policy: 0x30000n, vmpl: 0 },
        serial: 1n + BigInt(n),
        notBeforeMs: now - 60_000,
        notAfterMs: now + 86_400_000,
      });
      return ecdsaSigner(SIG.ecdsa_secp384r1_sha384, key.privateKey, [cert]);
    });
    if (!out) return reply.bytes;
    powers.note(`forged an RA-TLS certificate with node-${reply.node}'s leaked chip key`, { unlogged: plan.unlogged });
    return out;
  });
}
