/**
 * revoked-chip-key: the operator still holds the key of a chip whose key leaked, and keeps using
 * it after the vendor revoked that chip's VCEK. With the gateway's position it replaces attest
 * replies by evidence that is perfect in every other respect: a genuine VCEK under the vendor's
 * ASK, the current TCB, the baseline policy, the logged measurement and HOST_DATA of the honest
 * node, REPORT_DATA binding a rogue key and the client's nonce. Only the vendor's ARK-signed CRL
 * (PROTOCOL.md step 4, RFC 5280 §6.3) tells the client; it must refuse the evidence as `revoked`.
 */
import fc from 'fast-check';
import { parseBundle, reportDataBinding } from '../protocol/attestation-bundle.js';
import { parseSevSnpReport } from '../protocol/attestation/sev-snp-report.js';
import type { Adversary } from '../sim/adversary.js';
import { NODE_MSG, nodeMessage } from '../sim/parties/common.js';
import { RogueNode } from './forge.js';

export interface RevokedChipPlan {
  /** Attest replies replaced by evidence from the revoked chip, by index. */
  hijack: number[];
}

export const revokedChipKey: Adversary<RevokedChipPlan> = {
  name: 'revoked-chip-key',
  description: 'keeps signing evidence with a chip key the vendor has revoked (CRL)',
  positions: ['gateway'],
  marks: ['client.evidence-rejected.revoked'],
  plan: (spec) => fc.record({ hijack: fc.uniqueArray(fc.nat({ max: 2 * spec.world.requests + 2 }), { minLength: 1, maxLength: 8 }) }),
  install(powers, plan) {
    const rogue = new RogueNode(powers, 'revoked-chip');
    const chip = powers.key('chip:revoked');
    const ask = powers.public.vendorAskDer;
    let n = 0;
    powers.onNodeReply((reply) => {
      if (reply.route !== 'attest' || reply.bytes[0] !== NODE_MSG.evidence) return reply.bytes;
      if (!plan.hijack.includes(n++)) return reply.bytes;
      let honest;
      let measurement: Uint8Array;
      let hostData: Uint8Array;
      try {
        honest = parseBundle(reply.bytes.subarray(1));
        const r = parseSevSnpReport(honest.report);
        measurement = r.measurement;
        hostData = r.hostData;
      } catch {
        return reply.bytes;
      }
      const nonce = reply.nonce === null ? new Uint8Array(0) : Uint8Array.from(Buffer.from(reply.nonce, 'hex'));
      const report = chip.signReport({ reportData: reportDataBinding(rogue.keys.publicKey, nonce), measurement, hostData, policy: 0x30000n, vmpl: 0 });
      powers.note('served evidence signed by the revoked chip key', { serial: chip.serial.toString(16) });
      return nodeMessage(NODE_MSG.evidence, rogue.bundle(honest, report, [chip.certDer, ask]));
    });
  },
};
