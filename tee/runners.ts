/**
 * Every runner by name, and a probe that says which work on this machine: `pph tee probe` and
 * `pph bench` use it. A runner "works" when it is available, boots the enclave program and (for
 * the hardware runners) returns evidence bound to a probe REPORT_DATA.
 */
import { sha512 } from '@noble/hashes/sha2.js';
import { utf8 } from '../protocol/bytes.js';
import { decodeReply, encodeBootCall } from './enclave-program.js';
import type { ConfigfsIo } from './configfs-tsm.js';
import { InProcessRunner } from './in-process.js';
import { TEE_RUNNER_NAMES, type SimulatedAttester, type TeeRunner, type TeeRunnerName } from './runner.js';
import { SevSnpRunner } from './sev-snp.js';
import { TdxRunner } from './tdx.js';
import { WorkerRunner } from './worker.js';

export interface CreateRunnerOptions {
  /** configfs mount point for the hardware runners (default /sys/kernel/config). */
  configfsRoot?: string;
  io?: ConfigfsIo;
  /** Simulated chip for the in-process and worker runners. */
  attester?: SimulatedAttester;
}

/** A runner by name (not started). */
export function createRunner(name: TeeRunnerName, options: CreateRunnerOptions = {}): TeeRunner {
  switch (name) {
    case 'in-process':
      return new InProcessRunner(options.attester ? { attester: options.attester } : {});
    case 'worker':
      return new WorkerRunner(options.attester ? { attester: options.attester } : {});
    case 'sev-snp':
      return new SevSnpRunner({ configfsRoot: options.configfsRoot, io: options.io });
    case 'tdx':
      return new TdxRunner({ configfsRoot: options.configfsRoot, io: options.io });
    default:
      throw new RangeError(`runner expected one of ${TEE_RUNNER_NAMES.join(', ')}, got ${String(name)}`);
  }
}

export interface RunnerProbe {
  name: TeeRunnerName;
  ok: boolean;
  why: string;
}

/** A fixed boot key for the probe: the probe proves the boundary works, not secrecy. */
const PROBE_SECRET = sha512(utf8('pph tee probe')).subarray(0, 32);
const PROBE_REPORT_DATA = sha512(utf8('pph tee probe report data'));

/** Starts `runner`, boots the program, attests (hardware runners) and stops it; never throws. */
export async function probeRunner(runner: TeeRunner): Promise<RunnerProbe> {
  const availability = runner.available();
  if (!availability.ok) return { name: runner.name, ok: false, why: availability.why };
  try {
    await runner.start();
    const reply = decodeReply(await runner.enter(encodeBootCall({ secretKey: PROBE_SECRET, nodeId: 'probe' })));
    if (reply.kind !== 'booted') return { name: runner.name, ok: false, why: `the enclave program did not boot: ${reply.kind === 'error' ? reply.code : reply.kind}` };
    let why = availability.why;
    if (runner.name === 'sev-snp' || runner.name === 'tdx') {
      const evidence = await runner.attest(PROBE_REPORT_DATA);
      why += `; a ${evidence.report.length}-byte report binds our REPORT_DATA${evidence.certTable ? ', with a certificate table' : ''}`;
    }
    return { name: runner.name, ok: true, why };
  } catch (e) {
    return { name: runner.name, ok: false, why: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  } finally {
    await runner.stop().catch(() => undefined);
  }
}

/** Probes every runner (or those named), in {@link TEE_RUNNER_NAMES} order. */
export async function probeRunners(options: CreateRunnerOptions & { names?: readonly TeeRunnerName[] } = {}): Promise<RunnerProbe[]> {
  const out: RunnerProbe[] = [];
  for (const name of options.names ?? TEE_RUNNER_NAMES) out.push(await probeRunner(createRunner(name, options)));
  return out;
}
