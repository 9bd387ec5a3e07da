import { describe, expect, it } from 'vitest';
import { runDetailed } from '../../sim/runner.js';
import { sequenceDiagram } from '../../reports/sequence-diagram.js';
import { MODEL_MACHINES, stateDiagram } from '../../reports/state-diagram.js';
import { mermaidLabel } from '../../reports/mermaid-text.js';
import { once } from '../invariants/small-world.js';
import { reportWorld, traceWithAdversary } from './fixtures.js';

const detail = once(() => runDetailed(reportWorld(), { seed: 1 }));

describe('sequence diagram of a trace', () => {
  it('parties are lanes, each send an arrow, capped with a note saying how many are left out', () => {
    const { trace } = detail();
    const sends = trace.filter((e) => e.kind === 'send');
    const src = sequenceDiagram(trace, { maxMessages: 10 });
    const lines = src.trim().split('\n');
    expect(lines[0]).toBe('sequenceDiagram');
    const lanes = lines.filter((l) => l.trim().startsWith('participant '));
    const arrows = lines.filter((l) => /->>|-x/.test(l));
    expect(arrows).toHaveLength(10);
    for (const e of sends.slice(0, 10)) expect(arrows.some((a) => a.endsWith(`: ${e.what}`))).toBe(true);
    const parties = new Set(sends.slice(0, 10).flatMap((e) => [e.party, String(e.data!.to)]));
    expect(lanes).toHaveLength(parties.size);
    expect(lines[lines.length - 1]).toContain(`${sends.length - 10} more messages not shown (10 of ${sends.length})`);
    const all = sequenceDiagram(trace, { maxMessages: 10_000 });
    expect(all.split('\n').filter((l) => /->>|-x/.test(l))).toHaveLength(sends.length);
    expect(all).not.toContain('more messages not shown');
  });

  it('adversary actions sit on red bands from an adversary lane; labels lose mermaid syntax', () => {
    const trace = traceWithAdversary(detail().trace);
    const src = sequenceDiagram(trace, { maxMessages: 10_000 });
    expect(src).toContain('participant p_adversary as adversary');
    const red = src.split('\n').flatMap((l, k, all) => (l.trim() === 'rect rgb(255, 221, 221)' ? [all[k + 1]!.trim()] : []));
    expect(red).toHaveLength(2);
    expect(red[0]).toMatch(/^p_adversary-\)p_\w+: flip byte 7 of ohttp-req, keep no\.len$/);
    expect(red[1]).toMatch(/^p_adversary-xp_\w+: drop /);
  });

  it('proof events are yellow notes, and a window starts where asked', () => {
    const { trace } = detail();
    const sends = trace.filter((e) => e.kind === 'send');
    const proofEvent = sends[5]!.i;
    const src = sequenceDiagram(trace, { proof: [{ event: proofEvent, why: 'because: reasons' }], startAtEvent: sends[3]!.i, maxMessages: 5 });
    expect(src).toContain(`proof event ${proofEvent} because reasons`);
    expect(src).toContain('rect rgb(255, 243, 196)');
    expect(src.split('\n').filter((l) => /->>|-x/.test(l))[0]).toContain(`: ${sends[3]!.what}`);
  });

  it('mermaidLabel removes syntax characters and cuts long text', () => {
    expect(mermaidLabel('verify: ok; #3 <x> "q" {a}')).toBe("verify ok, no.3 ‹x› 'q' a");
    expect(mermaidLabel('x'.repeat(100), 10)).toBe('xxxxxxxxx…');
    expect(mermaidLabel('')).toBe('-');
  });
});

interface ConfigNode {
  initial?: string;
  states?: Record<string, ConfigNode>;
  on?: Record<string, unknown>;
  always?: unknown;
  type?: string;
}

/** The targets a raw XState config names for a transition: a string, `{ target }`, or an array of them. */
function targetsOf(t: unknown): string[] {
  if (typeof t === 'string') return [t.replace(/^\./, '')]; // '.booting': a child of the root
  if (Array.isArray(t)) return t.flatMap(targetsOf);
  if (t && typeof t === 'object' && 'target' in t) return targetsOf((t as { target: unknown }).target);
  return [];
}

describe('state diagrams generated from the XState machines', () => {
  for (const { name, machine } of MODEL_MACHINES) {
    it(`${name}: every state and every targeted transition of the machine's config is drawn`, () => {
      const src = stateDiagram(machine);
      expect(src.startsWith('stateDiagram-v2\n')).toBe(true);
      // The raw config is read here independently of the StateNode walk the generator does.
      const config = machine.config as ConfigNode;
      const states = config.states ?? {};
      expect(src).toContain(`[*] --> ${config.initial}`);
      for (const [key, node] of Object.entries(states)) {
        expect(src).toContain(`state "${key}" as ${key}`);
        const transitions = [...Object.values(node.on ?? {}), node.always].flatMap(targetsOf);
        for (const target of transitions) expect(src, `${key} --> ${target}`).toMatch(new RegExp(`\\n\\s*${key} --> ${target}: `));
      }
      for (const target of Object.values(config.on ?? {}).flatMap(targetsOf)) expect(src).toMatch(new RegExp(`any_state --> ${target}: `));
      const drawnStates = src.split('\n').filter((l) => /^\s*state "/.test(l) && !l.includes('any state'));
      expect(drawnStates).toHaveLength(Object.keys(states).length);
    });
  }
});

describe('counterexample diagrams (issue 11: readable at 100 %)', () => {
  it('draw only the lifelines the counterexample involves, in parts of at most 40 messages', async () => {
    const { makeMatrixFolder, tempDir: temp } = await import('./fixtures.js');
    const { loadReportInput } = await import('../../reports/report-input.js');
    const { counterexampleDiagrams, COUNTEREXAMPLE_MESSAGES_MAX } = await import('../../reports/html-counterexample.js');
    const dir = temp('cx-lanes');
    makeMatrixFolder(dir);
    const input = loadReportInput(dir);
    let checked = 0;
    let fewer = 0;
    for (const r of input.matrixReplays ?? []) {
      const rp = r.replay!;
      const violated = Object.values(rp.verdicts).find((v) => !v.holds);
      if (!violated || !rp.trace) continue;
      const trace = rp.trace as Parameters<typeof counterexampleDiagrams>[0];
      // Every party of the world that appears in the trace (senders, receivers, enclaves and hosts that only note).
      const parties = new Set([...trace.map((e) => e.party), ...trace.filter((e) => e.kind === 'send').map((e) => String(e.data?.to))].filter((p) => p !== 'network' && p !== 'sim' && p !== 'undefined'));
      const dg = counterexampleDiagrams(trace, violated.proof);
      for (const p of violated.proof) {
        const party = trace.find((e) => e.i === p.event)?.party;
        if (party && parties.has(party)) expect(dg.lanes, `${r.file}: the party of proof event ${p.event}`).toContain(party);
      }
      for (const src of dg.sources) {
        expect((src.match(/->>|-x|-\)/g) ?? []).length).toBeLessThanOrEqual(COUNTEREXAMPLE_MESSAGES_MAX + 20);
        const drawn = [...src.matchAll(/^ {2}participant \S+ as (.+)$/gm)].map((m) => m[1]);
        for (const lane of drawn) expect([...dg.lanes, 'adversary'], r.file).toContain(lane);
        expect(drawn.length, `${r.file}: lifelines drawn of ${[...parties].join(',')}`).toBeLessThanOrEqual(parties.size);
      }
      if (dg.lanes.length < parties.size) fewer++;
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
    expect(fewer, 'counterexamples drawn with fewer lifelines than the world has').toBeGreaterThan(0);
  });

  it('a long trace is split into parts, each with at most the cap of arrows, covering every message once', async () => {
    const { diagramParts } = await import('../../reports/sequence-diagram.js');
    const trace = runDetailed(reportWorld(), { seed: 1 }).trace;
    const sends = trace.filter((e) => e.kind === 'send' && typeof e.data?.to === 'string').length;
    const parts = diagramParts(trace, { perPart: 10 });
    expect(parts.length).toBe(Math.ceil(sends / 10));
    expect(parts.reduce((a, p) => a + p.arrows, 0)).toBe(sends);
    for (const p of parts) expect(p.arrows).toBeLessThanOrEqual(10);
    for (let k = 1; k < parts.length; k++) expect(parts[k]!.startAtEvent).toBe(parts[k - 1]!.endBeforeEvent);
  });
});
