/**
 * The long-term keys and public state of a world, all derived from the seed: the gateway's OHTTP
 * key, the issuer's VOPRF key, the simulated hardware vendor and one chip per node, the release
 * log with its checkpoint signed by the log and cosigned by witnesses.
 */
import { sha256, sha384 } from '@noble/hashes/sha2.js';
import { concat, toHex, utf8 } from '../protocol/bytes.js';
import { encodeKeyConfig, generateGatewayKey, type GatewayKey } from '../protocol/ohttp.js';
import { generateIssuerKey, type VoprfIssuerKey } from '../protocol/tokens/type1-voprf.js';
import { encodeTokenChallenge } from '../protocol/tokens/challenge.js';
import { TOKEN_TYPE_VOPRF } from '../protocol/tokens/token-type.js';
import { SimulatedVendor, type SimSigner } from '../protocol/attestation/sim-vendor.js';
import type { TrustStore } from '../protocol/attestation/chain.js';
import { parseCrl, type RevocationList } from '../protocol/attestation/crl.js';
import type { TcbParts } from '../protocol/attestation/tcb-version.js';
import { encodeReleaseEntry } from '../protocol/attestation-bundle.js';
import { MerkleLog } from '../protocol/tlog/log.js';
import { formatCheckpoint } from '../protocol/tlog/checkpoint.js';
import { signNote, addSignatures } from '../protocol/tlog/note.js';
import { Ed25519NoteSigner, type NoteVerifier } from '../protocol/tlog/note-key.js';
import { CosignatureV1Signer } from '../protocol/tlog/cosignature.js';
import type { Rng } from '../protocol/rng.js';
import { ChaChaRng } from './rng.js';
import { SIM_EPOCH_MS } from './clock.js';
import type { RunSpec } from './spec.js';
import { GATEWAY_AUTHORITY, ISSUER_NAME } from '../protocol/request-path.js';
import { evidenceOf } from '../model/profile.js';
import { createTdxFleet, type TdxChip, type TdxFleet } from './evidence/tdx.js';

export const LOG_ORIGIN = 'log.pph.test';
/** The TCB every simulated chip runs, and the minimum the client requires. */
export const CHIP_TCB: TcbParts = { bootloader: 4, tee: 0, snp: 22, microcode: 213 };
export const MIN_TCB: TcbParts = { bootloader: 3, tee: 0, snp: 20, microcode: 200 };
/** The firmware of an unpatched chip the operator also owns: genuine vendor certificate, TCB below the minimum. */
export const OUTDATED_TCB: TcbParts = { bootloader: 2, tee: 0, snp: 8, microcode: 115 };
const PAST_RELEASES = ['pph-enclave 0.8', 'pph-enclave 0.9', 'pph-enclave 0.9.1'];
const CURRENT_RELEASE = 'pph-enclave 1.0';

export interface WorldChip {
  signReport(fields: { reportData: Uint8Array; measurement: Uint8Array; hostData?: Uint8Array }): Uint8Array;
  /** VCEK then ASK, DER. */
  certificates: Uint8Array[];
  signer: SimSigner;
  /** Profile `pp-tdx`: the node's TDX platform (then `signReport` returns its quote and `certificates` is empty: the PCK chain is in the quote). */
  tdx?: TdxChip;
}

export interface WorldKeys {
  gateway: GatewayKey;
  gatewayConfigBytes: Uint8Array;
  issuer: VoprfIssuerKey;
  tokenChallenge: Uint8Array;
  /** SHA-256 of the key configuration and the issuer key: what key consistency compares. */
  keyDigest: string;
  vendor: SimulatedVendor;
  trust: TrustStore;
  /** Profile `pp-tdx`: the simulated Intel, its platforms and collateral (sim/evidence/tdx.ts); null otherwise. */
  tdx: TdxFleet | null;
  chip(node: number): WorldChip;
  /** A genuine chip on outdated firmware in the operator's rack (made on first use). */
  outdatedChip(): SimSigner;
  /** A chip in the operator's rack whose key leaked: the vendor revoked its VCEK (listed in `crl`). */
  revokedChip(): SimSigner;
  /** The vendor's ARK-signed CRL (AMD KDS `/vcek/v1/<product>/crl`), which the client checks in step 4. */
  crl: RevocationList;
  measurementOf(node: number): Uint8Array;
  releaseEntryOf(node: number): Uint8Array;
  releaseIndex(node: number): number;
  /** Ground truth: measurements in the one true log. */
  loggedMeasurements: Set<string>;
  log: MerkleLog;
  checkpointNote: string;
  logVerifier: NoteVerifier;
  /** The log's signing key (only the `log` position may use it). */
  logSigner: Ed25519NoteSigner;
  witnessVerifiers: NoteVerifier[];
  /** The witnesses' cosigning keys: honest witnesses in sim/log-growth.ts; a `witnesses` adversary holds fewer than the quorum. */
  witnessSigners: CosignatureV1Signer[];
  /** Their Ed25519 seeds, for the honest witnesses' fast cosigning (sim/log-growth.ts); no power hands them out. */
  witnessSeeds: Uint8Array[];
  witnessQuorum: number;
}

/** The measurement a chip reports for an image (the simulated launch digest). */
export function measurementOfImage(image: string): Uint8Array {
  return sha384(utf8(`measurement of ${image}`));
}
const measurement = measurementOfImage;
/** The image every honest node runs; it is the last release in the log. */
export const CURRENT_IMAGE = 'pph-enclave 1.0';

export function createKeys(spec: RunSpec, rng: Rng): WorldKeys {
  const gateway = generateGatewayKey(1, rng.fork('gateway-ohttp'));
  const issuer = generateIssuerKey(rng.fork('issuer-voprf'));
  const tokenChallenge = encodeTokenChallenge({ tokenType: TOKEN_TYPE_VOPRF, issuerName: ISSUER_NAME, redemptionContext: new Uint8Array(0), originInfo: [GATEWAY_AUTHORITY] });
  const gatewayConfigBytes = encodeKeyConfig(gateway.config);
  const keyDigest = toHex(sha256(concat(gatewayConfigBytes, issuer.publicKey)));

  const vendor = SimulatedVendor.create(rng.fork('vendor'), { product: 'Milan' });
  let outdated: SimSigner | null = null;
  const revoked = vendor.provisionChip(rng.fork('chip-revoked'), CHIP_TCB);
  const crl = vendorCrl(vendor, revoked);
  const chips: WorldChip[] = [];
  const tdx = evidenceOf(spec.profile) === 'tdx' ? createTdxFleet(rng.fork('tdx'), spec.world.nodes) : null;
  for (let i = 0; i < spec.world.nodes; i++) {
    const signer = vendor.provisionChip(rng.fork(`chip-${i}`), CHIP_TCB);
    chips.push({
      signer,
      certificates: [signer.certDer, vendor.askDer],
      signReport: ({ reportData, measurement: m, hostData }) => signer.signReport({ reportData, measurement: m, policy: 0x30000n, vmpl: 0, ...(hostData ? { hostData } : {}) }),
    });
    const td = tdx?.chip(i);
    if (td) chips[i] = { signer, tdx: td, certificates: [], signReport: (f) => td.quote(f) };
  }

  const { log, loggedMeasurements } = releaseLog();
  const currentIndex = log.size - 1;
  const unlogged = new Set(spec.world.unloggedNodes ?? []);
  const unloggedImage = `${CURRENT_RELEASE}+unlogged-patch`;

  const logSigner = new Ed25519NoteSigner(LOG_ORIGIN, rng.fork('log-key').bytes(32));
  const witnessSeeds = Array.from({ length: spec.world.witnesses }, (_, i) => rng.fork(`witness-${i}`).bytes(32));
  const witnesses = witnessSeeds.map((seed, i) => new CosignatureV1Signer(`witness-${i}.pph.test`, seed));
  const body = formatCheckpoint({ origin: LOG_ORIGIN, size: log.size, rootHash: log.root(), extensions: [`pph-keys ${keyDigest}`] });
  const timestampSec = Math.floor(SIM_EPOCH_MS / 1000);
  let checkpointNote = signNote(body, [logSigner]);
  checkpointNote = addSignatures(checkpointNote, witnesses.map((w) => w.cosign(body, timestampSec)));

  return {
    gateway,
    gatewayConfigBytes,
    issuer,
    tokenChallenge,
    keyDigest,
    vendor,
    trust: vendor.trustStore(),
    tdx,
    chip: (node) => chips[node]!,
    outdatedChip: () => (outdated ??= vendor.provisionChip(rng.fork('chip-outdated'), OUTDATED_TCB)),
    revokedChip: () => revoked,
    crl,
    measurementOf: (node) => measurement(unlogged.has(node) ? unloggedImage : CURRENT_RELEASE),
    releaseEntryOf: (node) => encodeReleaseEntry(measurement(unlogged.has(node) ? unloggedImage : CURRENT_RELEASE), unlogged.has(node) ? unloggedImage : CURRENT_RELEASE),
    releaseIndex: () => currentIndex,
    loggedMeasurements,
    log,
    checkpointNote,
    logVerifier: logSigner.verifier(),
    logSigner,
    witnessVerifiers: witnesses.map((w) => w.verifier()),
    witnessSigners: witnesses,
    witnessSeeds,
    witnessQuorum: spec.world.witnessQuorum,
  };
}

/**
 * The world's keys for one run. By default they come from the run's own seed (`runRng`, the
 * world's `keys` fork), so every run has fresh long-term keys. A scenario that sets
 * `world.keySeed` says its runs share one deployment: the long-term keys (gateway OHTTP key,
 * issuer key, vendor, chips, TDX fleet, log and witness keys, the first checkpoint) come from
 * that seed and are built once per process for each shape of world that reads them. A run is
 * still a pure function of (scenario, seed): the key seed is part of the scenario. What a run
 * changes is never shared: each world gets its own release log (the growing log appends to it)
 * and its own set of logged measurements.
 */
export function keysForRun(spec: RunSpec, runRng: Rng): WorldKeys {
  const keySeed = spec.world.keySeed;
  if (keySeed === undefined) return createKeys(spec, runRng);
  const id = JSON.stringify([keySeed, evidenceOf(spec.profile), spec.world.nodes, spec.world.witnesses, spec.world.witnessQuorum, spec.world.unloggedNodes ?? []]);
  let shared = sharedKeys.get(id);
  if (!shared) {
    shared = createKeys(spec, ChaChaRng.fromSeed(keySeed).fork('keys'));
    // Made now, not on first use: a lazily made chip would depend on which run asked first.
    shared.outdatedChip();
    shared.tdx?.outdated();
    if (sharedKeys.size >= SHARED_KEYS_MAX) sharedKeys.delete(sharedKeys.keys().next().value!);
    sharedKeys.set(id, shared);
  }
  return { ...shared, ...releaseLog() };
}
const sharedKeys = new Map<string, WorldKeys>();
const SHARED_KEYS_MAX = 16;

/** The release log every world starts from: the past releases, then the current one. */
function releaseLog(): { log: MerkleLog; loggedMeasurements: Set<string> } {
  const log = new MerkleLog();
  const loggedMeasurements = new Set<string>();
  for (const image of [...PAST_RELEASES, CURRENT_RELEASE]) {
    const m = measurement(image);
    log.append(encodeReleaseEntry(m, image));
    loggedMeasurements.add(toHex(m));
  }
  return { log, loggedMeasurements };
}

const crlCache = new Map<string, RevocationList>();

/** The vendor's CRL revoking `chip`, parsed once per (vendor, chip): a world rebuilt per run costs a lookup. */
function vendorCrl(vendor: SimulatedVendor, chip: SimSigner): RevocationList {
  const id = `${vendor.rootPin}|${chip.serial}`;
  let crl = crlCache.get(id);
  if (!crl) {
    if (crlCache.size >= 64) crlCache.delete(crlCache.keys().next().value!);
    crlCache.set(id, (crl = parseCrl(vendor.issueCrl([chip.serial]))));
  }
  return crl;
}
