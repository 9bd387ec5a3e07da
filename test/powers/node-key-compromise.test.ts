/**
 * Issue 13, a node key compromised while in use (`node-key-compromise`): a side channel extracts
 * node 0's live enclave key, and the adversary keeps what crosses the gateway→node link. It reads
 * exactly the requests sealed to the key it extracted: in pp, every request node 0 opened with that
 * boot's key, before or after the extraction, and none sealed to another node or to node 0's key of
 * an earlier boot (forward secrecy before the compromise); in pcc, the requests whose candidate set
 * included node 0 in the extracted epoch, however many nodes the cap allowed.
 */
import { describe, expect, it } from 'vitest';
import { runDetailed, type RunDetail } from '../../sim/runner.js';
import { nodeKeyCompromise, type NodeKeyPlan } from '../../adversaries/node-key-compromise.js';
import { PowerDenied, Powers } from '../../sim/adversary.js';
import { World } from '../../sim/world.js';
import { EPOCH_MS } from '../../model/profile.js';
import { matrixWorld, onProfile } from '../adversaries/catalogue.js';
import type { Scenario } from '../../scenarios/index.js';

function attack(spec: Scenario, seed: number, plan: NodeKeyPlan): RunDetail {
  return runDetailed(spec, { seed, adversaries: [{ adversary: nodeKeyCompromise as never, plan }] });
}

const readBy = (d: RunDetail) => new Set(d.result.verdicts.confidentiality!.proof.filter((p) => p.why.startsWith('node-key-compromise holds plaintext')).map((p) => /plaintext of (req-\d+)/.exec(p.why)![1]!));

describe('node-key-compromise', () => {
  it('pp, node 0 restarted at 1500 ms, key extracted at 5000 ms: reads exactly what node 0 opened in its second boot', () => {
    const base = matrixWorld();
    const spec: Scenario = { ...base, world: { ...base.world, requests: 8 }, faults: { nodeRestarts: [{ node: 0, atMs: 1_500 }] } };
    const d = attack(spec, 5, { node: 0, extractAtMs: [5_000] });
    const boots = d.trace.filter((e) => e.party === 'enclave-0' && e.what === 'generated enclave key').map((e) => e.t);
    // Boot at 0, the restart at 1500, the `later` seizure's restart after the run.
    expect(boots.length).toBe(3);
    expect(boots[1]! < 5_000 && boots[2]! > 5_000).toBe(true);
    const opened = d.view.enclaveOpened.filter((o) => o.node === 'enclave-0').map((o) => ({ id: o.requestId, t: d.trace[o.event]!.t }));
    const second = new Set(opened.filter((o) => o.t >= boots[1]!).map((o) => o.id));
    const first = new Set(opened.filter((o) => o.t < boots[1]!).map((o) => o.id));
    expect(second.size).toBeGreaterThan(0);
    expect(first.size).toBeGreaterThan(0);
    expect(readBy(d)).toEqual(second);
    // Everything else it kept stays closed: requests of other nodes, node 0's first boot.
    const kept = d.trace.filter((e) => e.party === 'node-key-compromise' && e.data?.fact === 'holds').length;
    expect(kept).toBeGreaterThan(2 * second.size);
    expect(d.result.verdicts.attestation!.holds && d.result.verdicts.integrity!.holds && d.result.verdicts.unlinkability!.holds && d.result.verdicts['non-targetability']!.holds).toBe(true);
  });

  it('pcc: reads the requests whose candidates included node 0 in the extracted epoch, and only those', () => {
    const base = onProfile(matrixWorld(), 'pcc');
    const spec: Scenario = { ...base, world: { ...base.world, requests: 6 } };
    const d = attack(spec, 5, { node: 0, extractAtMs: [1_000] });
    const read = readBy(d);
    const sealedTo0 = (id: string, before: number) => d.view.requests.find((r) => r.requestId === id)!.sealedTo.some((s) => s.node === 'enclave-0' && d.trace[s.event]!.t < before);
    expect(read.size).toBeGreaterThan(0);
    for (const id of read) expect(sealedTo0(id, Infinity)).toBe(true);
    // Sealed to node 0 well inside epoch 0 (the extracted key): read, whichever node answered.
    for (const r of d.view.requests) if (sealedTo0(r.requestId, EPOCH_MS - 500)) expect(read.has(r.requestId)).toBe(true);
    const notTo0 = d.view.requests.filter((r) => r.sentCount > 0 && !sealedTo0(r.requestId, Infinity));
    for (const r of notTo0) expect(read.has(r.requestId)).toBe(false);
  });

  it('the power is its position: no other position extracts a node key', () => {
    const w = new World(matrixWorld(), 1);
    expect(() => new Powers(w, 'x', ['gateway', 'node:0']).extractNodeKey(0)).toThrow(PowerDenied);
    expect(() => new Powers(w, 'x', ['node-key:1']).extractNodeKey(0)).toThrow(PowerDenied);
    expect(() => new Powers(w, 'x', ['node-key:0']).keep({ link: 'gateway-node' } as never)).toThrow(PowerDenied);
  });
});
