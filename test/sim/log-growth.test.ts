/**
 * The growing transparency log (issue 13, docs/transparency.md): the log appends during a run and
 * clients verify RFC 9162 consistency proofs between the checkpoints they see; the log position's
 * freeze, rollback, fork and colluding witnesses are refused on pp and accepted with the defence
 * ablated (the `transparency` invariant names the client and the event). Small worlds, few runs.
 */
import { describe, expect, it } from 'vitest';
import { runAttackedDetailed } from '../../adversaries/run.js';
import { loadScenario, resolveScenarioPath, type Scenario } from '../../scenarios/index.js';
import { MerkleLog } from '../../protocol/tlog/log.js';
import { CosignatureV1Signer } from '../../protocol/tlog/cosignature.js';
import { toHex, utf8 } from '../../protocol/bytes.js';
import { checkLogView, type LogViewState } from '../../sim/log-view.js';
import { FastCosigner } from '../../sim/log-growth.js';
import { SIM_EPOCH_MS } from '../../sim/clock.js';
import { World } from '../../sim/world.js';
import { Powers, PowerDenied } from '../../sim/adversary.js';
import { freshnessBoundMs } from '../../model/log-policy.js';
import { encodeProofResponse, parseProofResponse } from '../../sim/parties/log.js';
import { encodeBundle, parseBundle, type AttestationBundle } from '../../protocol/attestation-bundle.js';

const matrix = loadScenario(resolveScenarioPath('matrix', process.cwd()));
/** Six requests: tasks run past the freshness bound after the first growth. */
const world = (profile: string, w: Partial<Scenario['world']> = {}): Scenario => ({ ...matrix, name: `log-${profile}`, profile, world: { ...matrix.world, requests: 6, ...w } });

function facts(trace: readonly { kind: string; data?: Record<string, unknown> | null }[], name: string) {
  return trace.filter((e) => e.kind === 'fact' && e.data?.fact === name).map((e) => e.data!);
}

function run(spec: Scenario, adversary: string | null, plan: unknown, seed = 3) {
  const d = runAttackedDetailed(spec, { seed, adversaries: adversary ? [adversary] : [], plans: adversary ? [plan] : [] });
  return { verdicts: d.result.verdicts, trace: d.trace as unknown as { kind: string; data?: Record<string, unknown> | null; i: number; party: string }[] };
}

describe('the log grows and clients verify consistency proofs', () => {
  it('appends during an honest run; clients record verified consistency proofs; every invariant holds', () => {
    const r = run(world('pp'), null, null);
    const appended = r.trace.filter((e) => e.kind === 'log' && /appended a release entry/.test(String((e as { what?: string }).what ?? '')));
    expect(appended.length).toBeGreaterThan(0);
    const proofs = facts(r.trace, 'log-consistency');
    expect(proofs.length).toBeGreaterThan(0);
    for (const p of proofs) expect(p.to as number).toBeGreaterThan(p.from as number);
    expect(Object.entries(r.verdicts).filter(([, v]) => !v.holds).map(([k]) => k)).toEqual([]);
  });

  it('cosigns with node:crypto exactly as the protocol signer does (Ed25519 is deterministic)', () => {
    const seed = new Uint8Array(32).fill(7);
    const slow = new CosignatureV1Signer('witness-x.pph.test', seed);
    const fast = new FastCosigner(slow, seed);
    const text = 'log.pph.test\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';
    expect(toHex(fast.cosign(text, 1234).signature)).toBe(toHex(slow.cosign(text, 1234).signature));
  });
});

describe('wire forms carrying the consistency ladder', () => {
  const log = MerkleLog.fromLeaves([utf8('a'), utf8('b'), utf8('c'), utf8('d'), utf8('e')]);
  const consistency = [3, 4].map((n) => ({ fromSize: n, proof: log.consistencyProof(n, 5) }));

  it('a proof response round-trips; malformed ones parse to null', () => {
    const view = { leafIndex: 2, treeSize: 5, proof: log.inclusionProof(2, 5), checkpoint: 'note\n', consistency };
    const bytes = encodeProofResponse(view);
    expect(parseProofResponse(bytes)).toEqual(view);
    expect(parseProofResponse(bytes.subarray(0, bytes.length - 1))).toBeNull();
    expect(parseProofResponse(encodeProofResponse({ ...view, consistency: [] }))).toEqual({ ...view, consistency: [] });
    expect(parseProofResponse(Uint8Array.of(1, 2, 3))).toBeNull();
  });

  it('a bundle carries the ladder as an optional last field; without it the bytes are as before', () => {
    const b: AttestationBundle = { nodeId: 'enclave-0', enclaveKey: new Uint8Array(32), report: new Uint8Array(4), certificates: [], releaseEntry: new Uint8Array(48), leafIndex: 2, treeSize: 5, inclusionProof: log.inclusionProof(2, 5), checkpoint: 'note\n' };
    const plain = encodeBundle(b);
    expect(parseBundle(plain).consistency).toBeUndefined();
    const withLadder = encodeBundle({ ...b, consistency });
    expect(withLadder.subarray(0, plain.length)).toEqual(plain);
    expect(parseBundle(withLadder).consistency).toEqual(consistency);
    expect(() => parseBundle(Uint8Array.of(...withLadder, 0))).toThrow(/consistency|trailing|after/);
  });
});

describe('client log view (sim/log-view.ts)', () => {
  const log = MerkleLog.fromLeaves([utf8('a'), utf8('b'), utf8('c')]);
  const r3 = log.root(3);
  log.append(utf8('d'));
  log.append(utf8('e'));
  const r5 = log.root(5);
  const nowMs = 10_000;
  const freshTs = Math.floor((SIM_EPOCH_MS + nowMs) / 1000);
  const fresh = [{ name: 'w0', keyId: 1, timestampSec: freshTs }];
  const policy = { nowMs, freshnessMs: 2_000, quorum: 1 };
  const at3 = (): LogViewState => ({ last: { size: 3, root: toHex(r3) } });

  it('moves forward on a valid proof and keeps the proofs to check an older checkpoint', () => {
    const v = at3();
    expect(checkLogView(v, { size: 5, rootHash: r5, cosigners: fresh, consistency: [{ fromSize: 3, proof: log.consistencyProof(3, 5) }] }, policy)).toEqual({ ok: true, verified: { from: 3, to: 5 } });
    expect(v.last).toEqual({ size: 5, root: toHex(r5) });
    expect(checkLogView(v, { size: 3, rootHash: r3, cosigners: fresh, consistency: [] }, policy)).toEqual({ ok: true, verified: { from: 3, to: 5 } });
    expect(v.last!.size).toBe(5);
  });

  it('refuses a forged or missing proof, a different root at the same size, an unprovable older checkpoint', () => {
    const bad = log.consistencyProof(3, 5).map((h) => Uint8Array.from(h, (b, i) => (i === 0 ? b ^ 1 : b)));
    expect(checkLogView(at3(), { size: 5, rootHash: r5, cosigners: fresh, consistency: [{ fromSize: 3, proof: bad }] }, policy)).toEqual({ ok: false, code: 'log-consistency' });
    expect(checkLogView(at3(), { size: 5, rootHash: r5, cosigners: fresh, consistency: [] }, policy)).toEqual({ ok: false, code: 'log-consistency' });
    expect(checkLogView(at3(), { size: 3, rootHash: r5, cosigners: fresh, consistency: [] }, policy)).toEqual({ ok: false, code: 'log-consistency' });
    const v: LogViewState = { last: { size: 5, root: toHex(r5) } };
    expect(checkLogView(v, { size: 3, rootHash: r3, cosigners: fresh, consistency: [] }, policy)).toEqual({ ok: false, code: 'log-consistency' });
  });

  it('refuses a checkpoint without the quorum of fresh cosignatures: stale, or a rollback when older', () => {
    const old = [{ name: 'w0', keyId: 1, timestampSec: freshTs - 3 }];
    const v = at3();
    expect(checkLogView(v, { size: 3, rootHash: r3, cosigners: old, consistency: [] }, policy)).toEqual({ ok: false, code: 'log-stale' });
    expect(checkLogView(v, { size: 5, rootHash: r5, cosigners: fresh, consistency: [{ fromSize: 3, proof: log.consistencyProof(3, 5) }] }, policy).ok).toBe(true);
    expect(checkLogView(v, { size: 3, rootHash: r3, cosigners: old, consistency: [] }, policy)).toEqual({ ok: false, code: 'log-rollback' });
    expect(checkLogView(at3(), { size: 3, rootHash: r3, cosigners: [], consistency: [] }, policy)).toEqual({ ok: false, code: 'log-stale' });
    expect(checkLogView(at3(), { size: 3, rootHash: r3, cosigners: [], consistency: [] }, { ...policy, quorum: 0 }).ok).toBe(true);
  });

  it('the bound grows with the link delay; the pcc bound covers two key epochs', () => {
    expect(freshnessBoundMs('pcc', 4_000, 30)).toBe(freshnessBoundMs('pp', 4_000, 30) + 8_000);
    expect(freshnessBoundMs('pp', 4_000, 250)).toBe(freshnessBoundMs('pp', 4_000, 30) + 8 * 220);
  });
});

describe('the log position on the growing log', () => {
  const transparencyProof = (v: Record<string, { holds: boolean; proof?: { event: number; why: string }[] }>) => v.transparency!.proof ?? [];

  for (const mode of ['freeze', 'rollback'] as const) {
    it(`stale-log ${mode}: refused on pp (log-${mode === 'freeze' ? 'stale' : 'rollback'} or stale), accepted with log-consistency off`, () => {
      const plan = { mode, nodeMask: 7, afterGrowths: 1 };
      const pp = run(world('pp'), 'stale-log', plan);
      expect(pp.verdicts.transparency!.holds).toBe(true);
      const refused = facts(pp.trace, 'log-view').filter((f) => f.accepted === false);
      expect(refused.length).toBeGreaterThan(0);
      const off = run(world('pp-off-log-consistency'), 'stale-log', plan);
      expect(off.verdicts.transparency!.holds).toBe(false);
      const why = transparencyProof(off.verdicts as never);
      expect(why.some((p) => /client-\d accepted a checkpoint of size \d+ the log had superseded \d+ ms before/.test(p.why))).toBe(true);
      // The proof names the event: an evidence-accepted fact of that client.
      const ev = off.trace.find((e) => e.i === why[0]!.event);
      expect(ev?.data?.fact).toBe('evidence-accepted');
    });
  }

  it('split-view-log with colluding witnesses (1 of quorum 2): refused on pp, accepted with witness cosignatures off', () => {
    const spec = (p: string) => world(p, { witnesses: 3, witnessQuorum: 2 });
    const plan = { nodeMask: 7, copyCosignatures: false, extraEntries: 1, collude: true };
    const pp = run(spec('pp'), 'split-view-log', plan);
    expect(pp.verdicts.transparency!.holds).toBe(true);
    expect(pp.trace.some((e) => e.kind === 'tamper' && /forked checkpoint/.test(String((e as { what?: string }).what)) && (e.data as { colluders?: number }).colluders === 1)).toBe(true);
    const off = run(spec('pp-off-witness-cosignatures'), 'split-view-log', plan);
    expect(off.verdicts.transparency!.holds).toBe(false);
    expect(transparencyProof(off.verdicts as never).some((p) => /cosigned by 0 honest witnesses, fewer than the quorum 2/.test(p.why))).toBe(true);
  });

  it('the witnesses position grants fewer witness keys than the quorum, and nothing without it', () => {
    const w = new World({ ...world('pp', { witnesses: 3, witnessQuorum: 2 }) } as never, 1);
    const colluder = new Powers(w, 'x', ['log', 'witnesses']);
    expect(colluder.key('witness:0').name).toBe('witness-0.pph.test');
    expect(() => colluder.key('witness:1')).toThrow(PowerDenied);
    expect(() => new Powers(w, 'y', ['log']).key('witness:0')).toThrow(PowerDenied);
    const w1 = new World(matrix as never, 1);
    expect(() => new Powers(w1, 'z', ['witnesses']).key('witness:0')).toThrow(PowerDenied);
  });
});
