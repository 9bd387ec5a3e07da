/**
 * TCB_VERSION: the 8-byte security patch levels (SPLs) of the firmware components that an SEV-SNP
 * report carries (CURRENT_TCB, REPORTED_TCB, COMMITTED_TCB, LAUNCH_TCB) and that a VCEK is derived
 * for. Two layouts exist: Milan/Genoa and Turin (which adds the FMC SPL and moves the others).
 */
import { abytes, toHex } from '../bytes.js';

export type TcbLayout = 'milan' | 'turin';

/** The SPL components, each 0..255. `fmc` exists only in the Turin layout. */
export interface TcbParts {
  readonly bootloader: number;
  readonly tee: number;
  readonly snp: number;
  readonly microcode: number;
  readonly fmc?: number;
}

export interface TcbVersion extends TcbParts {
  readonly layout: TcbLayout;
  /** The 8 raw bytes as they sit in the report. */
  readonly raw: Uint8Array;
}

/** AMD family 1Ah (Turin and later) reports use the FMC layout (SEV-SNP ABI 1.58 §2.2, TCB_VERSION). */
export const TURIN_CPUID_FAMILY = 0x1a;

/** The layout a report uses: Turin when CPUID_FAM_ID (v3+ reports) says family 1Ah. */
export function tcbLayoutFor(cpuidFamId: number | undefined): TcbLayout {
  return cpuidFamId === TURIN_CPUID_FAMILY ? 'turin' : 'milan';
}

/** Decodes 8 raw bytes in `layout`. */
export function decodeTcb(raw: Uint8Array, layout: TcbLayout): TcbVersion {
  abytes('TCB_VERSION', raw, 8);
  if (layout === 'turin') {
    // SEV-SNP ABI (Turin) TCB_VERSION: FMC byte 0, BOOT_LOADER 1, TEE 2, SNP 3, reserved 4–6, MICROCODE 7.
    return { layout, raw, fmc: raw[0]!, bootloader: raw[1]!, tee: raw[2]!, snp: raw[3]!, microcode: raw[7]! };
  }
  // SEV-SNP ABI Table 3 (Milan/Genoa) TCB_VERSION: BOOT_LOADER byte 0, TEE 1, reserved 2–5, SNP 6, MICROCODE 7.
  return { layout, raw, bootloader: raw[0]!, tee: raw[1]!, snp: raw[6]!, microcode: raw[7]! };
}

/** Encodes SPLs in `layout` (reserved bytes zero). */
export function encodeTcb(parts: TcbParts, layout: TcbLayout): Uint8Array {
  for (const [name, v] of Object.entries(parts)) {
    if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 255)) throw new RangeError(`TCB ${name} expected integer in [0, 255], got ${v}`);
  }
  const raw = new Uint8Array(8);
  if (layout === 'turin') {
    raw.set([parts.fmc ?? 0, parts.bootloader, parts.tee, parts.snp], 0);
  } else {
    raw[0] = parts.bootloader;
    raw[1] = parts.tee;
    raw[6] = parts.snp;
  }
  raw[7] = parts.microcode;
  return raw;
}

const COMPONENTS = ['bootloader', 'tee', 'snp', 'microcode', 'fmc'] as const;

/** The components of `have` below `min` (fmc only when both carry it); empty when `have` ≥ `min`. */
export function tcbShortfall(have: TcbParts, min: TcbParts): string[] {
  const short: string[] = [];
  for (const c of COMPONENTS) {
    const h = have[c];
    const m = min[c];
    if (m === undefined) continue;
    if (h === undefined ? m > 0 : h < m) short.push(`${c} ${h ?? 'absent'} < ${m}`);
  }
  return short;
}

/** The components where `a` and `b` differ (fmc compared only when either carries it). */
export function tcbDifferences(a: TcbParts, b: TcbParts): string[] {
  const diff: string[] = [];
  for (const c of COMPONENTS) if ((a[c] ?? 0) !== (b[c] ?? 0)) diff.push(`${c} ${a[c] ?? 'absent'} ≠ ${b[c] ?? 'absent'}`);
  return diff;
}

/** `bl 2 tee 0 snp 5 ucode 68` (plus `fmc` on Turin), for messages and the CLI. */
export function formatTcb(t: TcbVersion): string {
  const fmc = t.fmc === undefined ? '' : `fmc ${t.fmc} `;
  return `${fmc}bl ${t.bootloader} tee ${t.tee} snp ${t.snp} ucode ${t.microcode} (${toHex(t.raw)})`;
}
