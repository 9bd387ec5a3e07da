/**
 * Per-layer suites: each protocol operation alone, on the hot path's own bytes where it has them,
 * through the protocol layer's public functions. Names are stable (they are bench.json keys).
 *
 *   bhttp       bhttp.encode, bhttp.decode             the padded summarise request (RFC 9292)
 *   hpke        hpke.seal, hpke.open                   single-shot base mode, the inner request's size
 *   ohttp       ohttp.request.{encapsulate,decapsulate}, ohttp.response.{encapsulate,decapsulate}
 *   token       token.type{1,2}.{issue,verify}         issuer's evaluation/blind signature; redemption check
 *   sev-snp     sev-snp.verify.{cached,uncached}       cached: a verifier built once for the VCEK;
 *                                                      uncached: chain parsed and checked every time
 *   merkle      merkle.{inclusion,consistency}         proofs in a 10 000-leaf log
 *   checkpoint  checkpoint.verify                      log signature + 2 of 3 witness cosignatures
 *   inference   inference.chat200                      the extractive summary of a 200-message chat
 */
import { decodeRequest, encodeRequest } from '../protocol/bhttp.js';
import { utf8 } from '../protocol/bytes.js';
import { openBase, sealBase } from '../protocol/hpke.js';
import { decapsulateRequest, encapsulateRequest } from '../protocol/ohttp.js';
import * as type1 from '../protocol/tokens/type1-voprf.js';
import * as type2 from '../protocol/tokens/type2-blindrsa.js';
import { SimulatedVendor } from '../protocol/attestation/sim-vendor.js';
import { BASELINE_POLICY, SevSnpVerifier, verifySevSnpReport } from '../protocol/attestation/verifier.js';
import { hashLeaf, verifyConsistency, verifyInclusion } from '../protocol/tlog/merkle.js';
import { MerkleLog } from '../protocol/tlog/log.js';
import { formatCheckpoint } from '../protocol/tlog/checkpoint.js';
import { addSignatures, signNote } from '../protocol/tlog/note.js';
import { Ed25519NoteSigner } from '../protocol/tlog/note-key.js';
import { CosignatureV1Signer } from '../protocol/tlog/cosignature.js';
import { verifyCosignedCheckpoint } from '../protocol/tlog/witness-policy.js';
import { extractiveSummariser } from '../tee/workload.js';
import { benchChat, type BenchKeys } from './fixtures.js';
import type { HotPathSample } from './hot-path.js';
import type { TaskSpec } from './measure.js';

export const SUITE_GROUPS = ['bhttp', 'hpke', 'ohttp', 'token', 'sev-snp', 'merkle', 'checkpoint', 'inference'] as const;
export type SuiteGroup = (typeof SUITE_GROUPS)[number];

/** A time inside the simulated vendor's certificate validity (2020–2049); no clock is read. */
const VERIFY_AT_MS = Date.UTC(2026, 0, 1);
const MERKLE_LEAVES = 10_000;
const CHAT_MESSAGES = 200;

/** The groups that measure the hot path's own bytes, so need a sample request first. */
export const GROUPS_ON_SAMPLE: readonly SuiteGroup[] = ['bhttp', 'hpke', 'ohttp'];

/** The tasks of one group. `sample` is one hot-path request (its BHTTP bytes and sizes). */
export function suiteTasks(group: SuiteGroup, keys: BenchKeys, sample: HotPathSample | null): TaskSpec[] {
  const rng = keys.rng.fork(`suite-${group}`);
  if (sample === null && GROUPS_ON_SAMPLE.includes(group)) throw new RangeError(`suite group ${group} needs a sample request`);
  switch (group) {
    case 'bhttp': {
      const { bhttpRequest } = sample!;
      const request = decodeRequest(bhttpRequest);
      const paddingBytes = bhttpRequest.length - encodeRequest(request).length;
      return [
        { name: 'bhttp.encode', fn: () => encodeRequest(request, { paddingBytes }) },
        { name: 'bhttp.decode', fn: () => decodeRequest(bhttpRequest) },
      ];
    }
    case 'hpke': {
      const { publicKey, secretKey } = keys.enclave();
      const info = utf8('pph bench hpke');
      const pt = rng.bytes(sample!.sizes.innerRequestBytes);
      const aad = new Uint8Array(0);
      const sealed = sealBase(publicKey, info, aad, pt, rng);
      return [
        { name: 'hpke.seal', fn: () => sealBase(publicKey, info, aad, pt, rng) },
        { name: 'hpke.open', fn: () => openBase(secretKey, sealed.enc, info, aad, sealed.ct) },
      ];
    }
    case 'ohttp': {
      const gateway = keys.gateway();
      const { bhttpRequest, bhttpResponse } = sample!;
      const client = encapsulateRequest(gateway.config, bhttpRequest, rng);
      const server = decapsulateRequest(gateway, client.encapsulated);
      const response = server.context.encapsulateResponse(bhttpResponse, rng);
      return [
        { name: 'ohttp.request.encapsulate', fn: () => encapsulateRequest(gateway.config, bhttpRequest, rng) },
        { name: 'ohttp.request.decapsulate', fn: () => decapsulateRequest(gateway, client.encapsulated) },
        { name: 'ohttp.response.encapsulate', fn: () => server.context.encapsulateResponse(bhttpResponse, rng) },
        { name: 'ohttp.response.decapsulate', fn: () => client.context.decapsulateResponse(response) },
      ];
    }
    case 'token': {
      const one = keys.issueType1(rng);
      const two = keys.issueType2(rng);
      const issuer1 = keys.issuer1();
      const issuer2 = keys.issuer2();
      return [
        { name: 'token.type1.issue', fn: () => type1.issue(one.request, issuer1, rng) },
        { name: 'token.type1.verify', fn: () => type1.checkToken(one.token, issuer1) },
        { name: 'token.type2.issue', fn: () => type2.issue(two.request, issuer2) },
        { name: 'token.type2.verify', fn: () => type2.checkToken(two.token, issuer2.publicKey) },
      ];
    }
    case 'sev-snp': {
      const vendor = SimulatedVendor.create(rng.fork('vendor'), { product: 'Milan' });
      const chip = vendor.provisionChip(rng.fork('chip'), { bootloader: 4, tee: 0, snp: 22, microcode: 213 });
      const reportData = rng.bytes(64);
      const report = chip.signReport({ reportData, measurement: rng.bytes(48), policy: 0x30000n, vmpl: 0 });
      const policy = { ...BASELINE_POLICY, reportData };
      const verifier = SevSnpVerifier.forSigner(vendor.trustStore(), chip.certDer, 'vcek');
      const chain = vendor.chainPem();
      const trust = { pinnedRootSpkiSha256: [vendor.rootPin] };
      return [
        { name: 'sev-snp.verify.cached', fn: () => verifier.verify(report, { atMs: VERIFY_AT_MS, policy }) },
        { name: 'sev-snp.verify.uncached', fn: () => verifySevSnpReport(report, { chain, trust, vcek: chip.certDer, atMs: VERIFY_AT_MS, policy }) },
      ];
    }
    case 'merkle': {
      const leaves = Array.from({ length: MERKLE_LEAVES }, (_, i) => utf8(`release ${i}`));
      const log = MerkleLog.fromLeaves(leaves);
      const index = 6_789;
      const leafHash = hashLeaf(leaves[index]!);
      const inclusion = log.inclusionProof(index);
      const root = log.root();
      const size1 = 5_003;
      const consistency = log.consistencyProof(size1);
      const root1 = log.root(size1);
      return [
        { name: 'merkle.inclusion', fn: () => verifyInclusion(index, MERKLE_LEAVES, leafHash, inclusion, root) },
        { name: 'merkle.consistency', fn: () => verifyConsistency(size1, MERKLE_LEAVES, consistency, root1, root) },
      ];
    }
    case 'checkpoint': {
      const logSigner = new Ed25519NoteSigner('log.pph.test', rng.bytes(32));
      const witnesses = [0, 1, 2].map((i) => new CosignatureV1Signer(`witness-${i}.pph.test`, rng.bytes(32)));
      const body = formatCheckpoint({ origin: 'log.pph.test', size: MERKLE_LEAVES, rootHash: rng.bytes(32), extensions: [] });
      const note = addSignatures(signNote(body, [logSigner]), witnesses.map((w) => w.cosign(body, 1_767_225_600)));
      const policy = { log: logSigner.verifier(), witnesses: witnesses.map((w) => w.verifier()), quorum: 2, origin: 'log.pph.test' };
      return [{ name: 'checkpoint.verify', fn: () => verifyCosignedCheckpoint(note, policy) }];
    }
    case 'inference': {
      const chat = benchChat(CHAT_MESSAGES);
      return [{ name: 'inference.chat200', fn: () => extractiveSummariser.summarise(chat.messages, 3) }];
    }
    default:
      throw new RangeError(`unknown suite group ${String(group)}`);
  }
}
