/**
 * Profile pp-gpu (issue 15, docs/profiles.md): nodes are a CVM (SEV-SNP) plus a confidential GPU;
 * the client accepts a node only with both pieces of evidence bound together. A run holds every
 * invariant; the gpu-evidence adversary's substitutions are refused with the NVIDIA verifier's
 * and the binding's codes; the mutant without the binding is killed.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { runDetailed } from '../../sim/runner.js';
import { World } from '../../sim/world.js';
import { Powers, PowerDenied, type Position } from '../../sim/adversary.js';
import { gpuEvidence, type GpuEvidencePlan } from '../../adversaries/gpu-evidence.js';
import { vendorKeyLeak } from '../../adversaries/index.js';
import { loadScenario, resolveScenarioPath, type Scenario } from '../../scenarios/index.js';
import { encodeGpuAttachment, GpuAttachmentError, parseGpuAttachment } from '../../sim/evidence/gpu.js';
import { evidenceOf, familyOf } from '../../model/profile.js';
import type { TraceEvent } from '../../sim/trace.js';

const matrix = loadScenario(resolveScenarioPath('matrix', process.cwd()));
const on = (profile: string): Scenario => ({ ...matrix, name: `matrix-${profile}`, profile });

function refusals(trace: readonly TraceEvent[]): string[] {
  return trace.filter((e) => e.kind === 'verify' && e.party.startsWith('client') && e.what.startsWith('evidence for') && e.data?.ok === false).map((e) => String(e.data?.code));
}

const everyNode = (how: 'cc-off' | 'swap'): GpuEvidencePlan['exposed'] => [{ node: 0, how }, { node: 1, how }];

describe('profile pp-gpu', () => {
  it('is a pp profile on CVM+GPU evidence with its own expectations file', () => {
    expect(evidenceOf('pp-gpu')).toBe('cvm-gpu');
    expect(familyOf('pp-gpu-unbound')).toBe('pp-gpu');
    expect(gpuEvidence.profiles).toEqual(['pp-gpu']);
  });

  it('the GPU attachment round-trips and its parser refuses every truncation and trailing bytes with its typed code', () => {
    const a = { committed: new Uint8Array(32).fill(3), evidence: Uint8Array.of(1, 2, 3), chain: [Uint8Array.of(0x30, 1), Uint8Array.of(0x30, 2)] };
    const bytes = encodeGpuAttachment(a);
    expect(parseGpuAttachment(bytes)).toEqual(a);
    for (let n = 0; n < bytes.length; n++) {
      expect(() => parseGpuAttachment(bytes.subarray(0, n)), `truncated at ${n}`).toThrow(GpuAttachmentError);
    }
    try {
      parseGpuAttachment(Uint8Array.of(...bytes, 0));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(GpuAttachmentError);
      expect((e as GpuAttachmentError).code).toBe('gpu-attachment');
    }
  });

  it('the GPU powers belong to the operator (gateway) only', () => {
    const w = new World(on('pp-gpu'), 1);
    const probe = (...positions: Position[]) => new Powers(w, 'probe', positions);
    for (const p of ['relay', 'issuer', 'log', 'vendor-key', 'node:0', 'later', 'network:gateway-node'] as Position[]) {
      expect(() => probe(p).exposeGpu(0, 'cc-off'), p).toThrow(PowerDenied);
      expect(() => probe(p).attestGpu(0, new Uint8Array(32)), p).toThrow(PowerDenied);
    }
    expect(probe('gateway').attestGpu(0, new Uint8Array(32)).chain.length).toBe(3);
  });

  it('a benign run holds every invariant; each bundle carries GPU evidence bound to its CVM report', () => {
    const { result, trace } = runDetailed(on('pp-gpu'), { seed: 2, keepTrace: true });
    for (const [id, v] of Object.entries(result.verdicts)) expect(v.holds, id).toBe(true);
    expect(refusals(trace)).toEqual([]);
    expect(trace.filter((e) => e.kind === 'verify' && e.what.startsWith('evidence for') && e.data?.ok === true).length).toBeGreaterThan(0);
  });

  it('gpu-evidence: CC off, a swapped GPU, evidence of another GPU or session: refused with the binding codes, every invariant holds', () => {
    const cases: [GpuEvidencePlan, string][] = [
      [{ exposed: everyNode('cc-off'), substitutions: ['genuine'], arg: 0 }, 'gpu-cc-mode'],
      [{ exposed: everyNode('swap'), substitutions: ['genuine'], arg: 0 }, 'gpu-cc-mode'],
      [{ exposed: everyNode('cc-off'), substitutions: ['other-gpu'], arg: 0 }, 'gpu-mismatch'],
      [{ exposed: [{ node: 0, how: 'cc-off' }], substitutions: ['other-session'], arg: 1 }, 'gpu-nonce'],
    ];
    for (const [plan, code] of cases) {
      const { result, trace } = runDetailed(on('pp-gpu'), { seed: 5, keepTrace: true, adversaries: [{ adversary: gpuEvidence, plan }] });
      for (const [id, v] of Object.entries(result.verdicts)) expect(v.holds, `${code}: ${id}`).toBe(true);
      expect(refusals(trace), JSON.stringify(plan)).toContain(code);
    }
  });

  it('pp-gpu-unbound is killed by evidence of another GPU or another session (confidentiality), caused by the attack', () => {
    const attack = [{ adversary: gpuEvidence, plan: { exposed: everyNode('cc-off'), substitutions: ['other-gpu'], arg: 0 } satisfies GpuEvidencePlan }];
    const mutant = runDetailed(on('pp-gpu-unbound'), { seed: 5, keepTrace: false, adversaries: attack }).result;
    expect(mutant.verdicts.confidentiality!.holds).toBe(false);
    const replayed = [{ adversary: gpuEvidence, plan: { exposed: everyNode('swap'), substitutions: ['other-session'], arg: 0 } satisfies GpuEvidencePlan }];
    expect(runDetailed(on('pp-gpu-unbound'), { seed: 5, keepTrace: false, adversaries: replayed }).result.verdicts.confidentiality!.holds).toBe(false);
    expect(runDetailed(on('pp-gpu-unbound'), { seed: 5, keepTrace: false }).result.verdicts.confidentiality!.holds).toBe(true);
  });

  it('a small campaign (plans drawn by fast-check) kills pp-gpu-unbound', () => {
    const plans = fc.sample(gpuEvidence.plan(matrix), { numRuns: 4, seed: 11 });
    const killed = plans.findIndex((plan, i) => !runDetailed(on('pp-gpu-unbound'), { seed: 20 + i, keepTrace: false, adversaries: [{ adversary: gpuEvidence, plan }] }).result.verdicts.confidentiality!.holds);
    expect(killed).toBeGreaterThanOrEqual(0);
  });

  it('vendor-key-leak forges GPU-bound evidence with the node GPU fresh measurements (as on pp: confidentiality lost)', () => {
    const { result, trace } = runDetailed(on('pp-gpu'), { seed: 3, keepTrace: true, adversaries: [{ adversary: vendorKeyLeak, plan: { hijack: [0, 1, 2, 3], unlogged: false } }] });
    expect(result.verdicts.confidentiality!.holds).toBe(false);
    expect(refusals(trace)).not.toContain('gpu-nonce');
  });
});
