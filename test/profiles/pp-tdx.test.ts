/**
 * Profile pp-tdx (issue 15, docs/profiles.md): nodes quote with TDX on the simulated Intel, the
 * client verifies with DCAP and its collateral. A run holds every invariant; the forged-quote
 * forgeries are refused with the DCAP verifier's codes; the mutant that ignores the TCB status
 * is killed by the operator's OutOfDate platform.
 */
import { describe, expect, it } from 'vitest';
import { runDetailed } from '../../sim/runner.js';
import { World } from '../../sim/world.js';
import { forgedQuote } from '../../adversaries/index.js';
import type { ForgePlan } from '../../adversaries/forged-quote.js';
import type { Forgery } from '../../adversaries/forge.js';
import { loadScenario, resolveScenarioPath, type Scenario } from '../../scenarios/index.js';
import { parseTdxQuote, verifyDcapQuote, DcapError } from '../../protocol/attestation/dcap/index.js';
import { reportDataBinding } from '../../protocol/attestation-bundle.js';
import { SIM_EPOCH_MS } from '../../sim/clock.js';
import { evidenceOf, familyOf, PROFILE_DEFS } from '../../model/profile.js';
import type { TraceEvent } from '../../sim/trace.js';

const matrix = loadScenario(resolveScenarioPath('matrix', process.cwd()));
const on = (profile: string): Scenario => ({ ...matrix, name: `matrix-${profile}`, profile });

/** The codes of the client's evidence refusals in a trace. */
function refusals(trace: readonly TraceEvent[]): string[] {
  return trace.filter((e) => e.kind === 'verify' && e.party.startsWith('client') && e.what.startsWith('evidence for') && e.data?.ok === false).map((e) => String(e.data?.code));
}

const plan = (kind: Forgery, n = 6): ForgePlan => ({ forgeries: Array.from({ length: n }, (_, i) => ({ kind, arg: 97 * i + 5 })), restartAfter: [] });

describe('profile pp-tdx', () => {
  it('is a pp profile on TDX evidence with its own expectations file', () => {
    expect(PROFILE_DEFS['pp-tdx']).toMatchObject({ base: 'pp', ablations: [] });
    expect(evidenceOf('pp-tdx')).toBe('tdx');
    expect(familyOf('pp-tdx-status-ignored')).toBe('pp-tdx');
    expect(evidenceOf('pp')).toBe('sev-snp');
  });

  it('nodes produce TDX v4 quotes that the DCAP verifier accepts under the simulated Intel root only', () => {
    const w = new World(on('pp-tdx'), 4);
    const fleet = w.keys.tdx!;
    const reportData = reportDataBinding(new Uint8Array(32).fill(7), new Uint8Array(16).fill(1));
    const quote = w.keys.chip(1).signReport({ reportData, measurement: w.keys.measurementOf(1), hostData: new Uint8Array(32).fill(9) });
    const q = parseTdxQuote(quote);
    expect(q.header.version).toBe(4);
    expect(q.td?.mrTd).toEqual(w.keys.measurementOf(1));
    const v = verifyDcapQuote(quote, fleet.collateral, { atMs: SIM_EPOCH_MS, tee: 'tdx', pinnedRootSpkiSha256: [fleet.intel.rootPin], policy: { reportData } });
    expect(v.tcbStatus).toBe('UpToDate');
    // Intel's real root is pinned by default: a simulated quote never passes for Intel's.
    const e = (() => { try { verifyDcapQuote(quote, fleet.collateral, { atMs: SIM_EPOCH_MS }); } catch (x) { return x; } return null; })();
    expect(e).toBeInstanceOf(DcapError);
    expect((e as DcapError).code).toBe('pck-chain');
    // The operator's unpatched platform: genuine, but OutOfDate.
    const old = fleet.outdated().quote({ reportData, measurement: w.keys.measurementOf(0) });
    const s = (() => { try { verifyDcapQuote(old, fleet.collateral, { atMs: SIM_EPOCH_MS, pinnedRootSpkiSha256: [fleet.intel.rootPin] }); } catch (x) { return x; } return null; })();
    expect((s as DcapError).code).toBe('tcb-status');
    expect(verifyDcapQuote(old, fleet.collateral, { atMs: SIM_EPOCH_MS, pinnedRootSpkiSha256: [fleet.intel.rootPin], policy: { acceptStatus: ['UpToDate', 'OutOfDate'] } }).tcbStatus).toBe('OutOfDate');
  });

  it('a benign run holds every invariant, every request answered through TDX-attested nodes', () => {
    const { result, trace } = runDetailed(on('pp-tdx'), { seed: 2, keepTrace: true });
    for (const [id, v] of Object.entries(result.verdicts)) expect(v.holds, id).toBe(true);
    expect(refusals(trace)).toEqual([]);
    expect(trace.filter((e) => e.kind === 'verify' && e.what.startsWith('evidence for') && e.data?.ok === true).length).toBeGreaterThan(0);
  });

  it('forged-quote on TDX: each forgery refused with the DCAP code of the check it fails', () => {
    const cases: [Forgery, string][] = [
      ['low-tcb', 'tcb-status'],
      ['foreign-root', 'pck-chain'],
      ['debug-policy', 'debug'],
      ['unlogged-measurement', 'measurement'],
      ['key-substitution', 'report-data'],
    ];
    for (const [kind, code] of cases) {
      const { result, trace } = runDetailed(on('pp-tdx'), { seed: 3, keepTrace: true, adversaries: [{ adversary: forgedQuote, plan: plan(kind) }] });
      for (const [id, v] of Object.entries(result.verdicts)) expect(v.holds, `${kind}: ${id}`).toBe(true);
      expect(refusals(trace), kind).toContain(code);
    }
  });

  it('pp-tdx-status-ignored is killed by the OutOfDate platform (confidentiality), pp-tdx is not', () => {
    const attack = [{ adversary: forgedQuote, plan: plan('low-tcb') }];
    const mutant = runDetailed(on('pp-tdx-status-ignored'), { seed: 3, keepTrace: false, adversaries: attack }).result;
    expect(mutant.verdicts.confidentiality!.holds).toBe(false);
    const baseline = runDetailed(on('pp-tdx'), { seed: 3, keepTrace: false, adversaries: attack }).result;
    expect(baseline.verdicts.confidentiality!.holds).toBe(true);
    // Caused by the attack: the mutant without it holds.
    expect(runDetailed(on('pp-tdx-status-ignored'), { seed: 3, keepTrace: false }).result.verdicts.confidentiality!.holds).toBe(true);
  });
});
