/**
 * The TCB status of a platform from Intel's TCB Info and QE Identity (Intel PCS API v4 "TCB Info
 * V3" and "Enclave Identity V2"; the algorithm is Intel DCAP QVL's, as go-tdx-guest
 * verify/verify.go and dcap-qvl src/verify.rs implement it):
 *
 * 1. Platform: the first TCB level (Intel lists them in descending order; used as given) whose
 *    16 `sgxtcbcomponents` SVNs are each ≤ the PCK certificate's CPUSVN components, whose
 *    `pcesvn` ≤ the PCK's PCESVN and, for TDX, whose 16 `tdxtcbcomponents` are each ≤ the TD's
 *    TEE_TCB_SVN, skipping components 0 and 1 when TEE_TCB_SVN[1] > 0 (those two are the TDX
 *    module's ISVSVN and major version, judged by the module identity instead).
 * 2. TDX module: MRSIGNERSEAM and SEAMATTRIBUTES (under the mask) equal `tdxModule`; when
 *    TEE_TCB_SVN[1] > 0, the identity `TDX_<hex of TEE_TCB_SVN[1]>` in `tdxModuleIdentities`
 *    must exist and match likewise, and its first level with `isvsvn` ≤ TEE_TCB_SVN[0] gives the
 *    module status.
 * 3. QE: MRSIGNER, ISVPRODID, MISCSELECT and ATTRIBUTES (under their masks) equal the QE
 *    Identity; the first level with `isvsvn` ≤ the QE report's ISVSVN gives the QE status.
 * 4. The statuses converge as Intel's QVL does (`convergeTcbStatusWithQeTcbStatus`): an
 *    OutOfDate QE or module turns UpToDate/SWHardeningNeeded into OutOfDate and
 *    ConfigurationNeeded/ConfigurationAndSWHardeningNeeded into OutOfDateConfigurationNeeded; a
 *    Revoked one is Revoked. Advisory IDs are the union, platform first.
 */
import { toHex } from '../../bytes.js';
import type { IsvTcbLevel, QeIdentity, TcbInfo, TcbLevel, TcbStatus } from './collateral.js';
import { DcapError } from './errors.js';
import type { PckExtensions } from './pck.js';
import type { DcapQuote, EnclaveReport, TdReportBody } from './quote.js';

export interface TcbVerdict {
  readonly status: TcbStatus;
  readonly advisories: readonly string[];
}

export interface TcbEvaluation extends TcbVerdict {
  readonly platform: TcbVerdict & { readonly tcbDate: string };
  readonly tdxModule: TcbVerdict | undefined;
  readonly qe: TcbVerdict & { readonly tcbDate: string };
}

/** Intel QVL's convergence of the platform status with the QE's (or the TDX module's). */
export function converge(platform: TcbVerdict, other: TcbVerdict): TcbVerdict {
  const advisories = [...platform.advisories];
  for (const a of other.advisories) if (!advisories.includes(a)) advisories.push(a);
  let status = platform.status;
  if (other.status === 'Revoked') status = 'Revoked';
  else if (other.status === 'OutOfDate' || other.status === 'OutOfDateConfigurationNeeded') {
    if (status === 'UpToDate' || status === 'SWHardeningNeeded') status = 'OutOfDate';
    else if (status === 'ConfigurationNeeded' || status === 'ConfigurationAndSWHardeningNeeded') status = 'OutOfDateConfigurationNeeded';
  }
  return { status, advisories };
}

const verdict = (l: { tcbStatus: TcbStatus; advisoryIDs?: string[] | undefined }): TcbVerdict => ({ status: l.tcbStatus, advisories: l.advisoryIDs ?? [] });

function masked(actual: Uint8Array, expectedHex: string, maskHex: string): boolean {
  const expected = Buffer.from(expectedHex, 'hex');
  const mask = Buffer.from(maskHex, 'hex');
  if (expected.length !== actual.length || mask.length !== actual.length) return false;
  for (let i = 0; i < actual.length; i++) if ((actual[i]! & mask[i]!) !== (expected[i]! & mask[i]!)) return false;
  return true;
}

function platformLevel(info: TcbInfo, pck: PckExtensions, td: TdReportBody | undefined): TcbLevel {
  const skip = td !== undefined && td.teeTcbSvn[1]! > 0 ? 2 : 0;
  for (const level of info.tcbLevels) {
    if (level.tcb.sgxtcbcomponents.some((c, i) => pck.cpuSvnComponents[i]! < c.svn)) continue;
    if (pck.pceSvn < level.tcb.pcesvn) continue;
    if (td !== undefined) {
      const tdx = level.tcb.tdxtcbcomponents!;
      if (tdx.some((c, i) => i >= skip && td.teeTcbSvn[i]! < c.svn)) continue;
    }
    return level;
  }
  const tee = td === undefined ? '' : `, TEE_TCB_SVN ${toHex(td.teeTcbSvn)}`;
  throw new DcapError('tcb-status', `no TCB level of FMSPC ${info.fmspc} matches CPUSVN components [${pck.cpuSvnComponents.join(',')}], PCESVN ${pck.pceSvn}${tee}`);
}

function isvLevel(levels: readonly IsvTcbLevel[], isvSvn: number, what: string): IsvTcbLevel {
  const level = levels.find((l) => l.tcb.isvsvn <= isvSvn);
  if (level === undefined) throw new DcapError('tcb-status', `${what}: ISVSVN ${isvSvn} is below every TCB level`);
  return level;
}

function tdxModuleVerdict(info: TcbInfo, td: TdReportBody): TcbVerdict | undefined {
  const base = info.tdxModule!;
  // Intel QVL: MRSIGNERSEAM must equal tdxModule.mrsigner, SEAMATTRIBUTES under attributesMask.
  if (toHex(td.mrSignerSeam) !== base.mrsigner.toLowerCase() || !masked(td.seamAttributes, base.attributes, base.attributesMask)) {
    throw new DcapError('collateral', `TDX module: MRSIGNERSEAM ${toHex(td.mrSignerSeam)} / SEAMATTRIBUTES ${toHex(td.seamAttributes)} differ from the TCB Info's tdxModule`);
  }
  const version = td.teeTcbSvn[1]!;
  if (version === 0) return undefined;
  const id = `TDX_${version.toString(16).padStart(2, '0')}`.toUpperCase();
  const identity = (info.tdxModuleIdentities ?? []).find((m) => m.id.toUpperCase() === id);
  if (identity === undefined) throw new DcapError('tcb-status', `TDX module: no identity ${id} in the TCB Info`);
  if (toHex(td.mrSignerSeam) !== identity.mrsigner.toLowerCase() || !masked(td.seamAttributes, identity.attributes, identity.attributesMask)) {
    throw new DcapError('collateral', `TDX module: MRSIGNERSEAM / SEAMATTRIBUTES differ from identity ${id}`);
  }
  return verdict(isvLevel(identity.tcbLevels, td.teeTcbSvn[0]!, `TDX module ${id}`));
}

/** Checks the QE report against the QE Identity (Enclave Identity V2) and returns its level. */
export function qeVerdict(identity: QeIdentity, qe: EnclaveReport, tee: DcapQuote['tee']): IsvTcbLevel {
  // PCS API v4: /sgx/certification/v4/qe/identity is "QE", /tdx/certification/v4/qe/identity is "TD_QE".
  const expectedId = tee === 'sgx' ? 'QE' : 'TD_QE';
  if (identity.id !== expectedId) throw new DcapError('collateral', `QE Identity id ${identity.id}, expected ${expectedId} for a ${tee.toUpperCase()} quote`);
  if (toHex(qe.mrSigner) !== identity.mrsigner.toLowerCase()) throw new DcapError('collateral', `QE MRSIGNER ${toHex(qe.mrSigner)} differs from the QE Identity's`);
  if (qe.isvProdId !== identity.isvprodid) throw new DcapError('collateral', `QE ISVPRODID ${qe.isvProdId}, the QE Identity says ${identity.isvprodid}`);
  const misc = Buffer.alloc(4);
  misc.writeUInt32LE(qe.miscSelect);
  if (!masked(misc, identity.miscselect, identity.miscselectMask)) throw new DcapError('collateral', 'QE MISCSELECT differs from the QE Identity under its mask');
  if (!masked(qe.attributes, identity.attributes, identity.attributesMask)) throw new DcapError('collateral', 'QE ATTRIBUTES differ from the QE Identity under its mask');
  return isvLevel(identity.tcbLevels, qe.isvSvn, 'QE');
}

/**
 * The platform's TCB level (and the TDX module's) without the QE: steps 1, 2 and their
 * convergence. Throws `DcapError`: `collateral` when the TCB Info is for another platform,
 * `tcb-status` when no level matches.
 */
export function platformVerdict(quote: DcapQuote, pck: PckExtensions, info: TcbInfo): { total: TcbVerdict; platform: TcbVerdict & { readonly tcbDate: string }; tdxModule: TcbVerdict | undefined } {
  const expectedId = quote.tee === 'sgx' ? 'SGX' : 'TDX';
  if (info.id !== expectedId) throw new DcapError('collateral', `TCB Info id ${info.id}, expected ${expectedId}`);
  if (info.fmspc.toLowerCase() !== pck.fmspc) throw new DcapError('collateral', `TCB Info is for FMSPC ${info.fmspc.toLowerCase()}, the PCK certificate's is ${pck.fmspc}`);
  if (info.pceId.toLowerCase() !== pck.pceId) throw new DcapError('collateral', `TCB Info is for PCE ID ${info.pceId}, the PCK certificate's is ${pck.pceId}`);
  const level = platformLevel(info, pck, quote.td);
  const platform = { ...verdict(level), tcbDate: level.tcbDate };
  const tdxModule = quote.td === undefined ? undefined : tdxModuleVerdict(info, quote.td);
  return { total: tdxModule === undefined ? platform : converge(platform, tdxModule), platform, tdxModule };
}

/**
 * The TCB status of `quote` on the platform of `pck`. Throws `DcapError`: `collateral` when the
 * collateral is for another platform or identity, `tcb-status` when no level matches.
 */
export function evaluateTcb(quote: DcapQuote, pck: PckExtensions, info: TcbInfo, identity: QeIdentity): TcbEvaluation {
  const qeLevel = qeVerdict(identity, quote.sig.qeReport, quote.tee);
  const { total: platformTotal, platform, tdxModule } = platformVerdict(quote, pck, info);
  const qe = { ...verdict(qeLevel), tcbDate: qeLevel.tcbDate };
  const total = converge(platformTotal, qe);
  return { status: total.status, advisories: total.advisories, platform, tdxModule, qe };
}
