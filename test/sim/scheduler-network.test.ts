import { describe, expect, it } from 'vitest';
import { SimClock } from '../../sim/clock.js';
import { Scheduler, SchedulerLimitError } from '../../sim/scheduler.js';
import { Network, type Message } from '../../sim/network.js';
import { Trace } from '../../sim/trace.js';
import { ChaChaRng } from '../../sim/rng.js';
import { canonicalJson } from '../../sim/canonical.js';
import { extractiveSummariser } from '../../tee/workload.js';

describe('scheduler', () => {
  it('runs events in time order, ties in scheduling order', () => {
    const clock = new SimClock();
    const s = new Scheduler(clock, { maxEvents: 100, maxTimeMs: 1000 });
    const seen: string[] = [];
    s.at(5, 'b', () => seen.push(`b@${clock.nowMs()}`));
    s.at(1, 'a', () => seen.push(`a@${clock.nowMs()}`));
    s.at(5, 'c', () => seen.push(`c@${clock.nowMs()}`));
    s.at(1, 'a2', () => s.after(0, 'a3', () => seen.push(`a3@${clock.nowMs()}`)));
    s.runUntilIdle();
    expect(seen).toEqual(['a@1', 'a3@1', 'b@5', 'c@5']);
  });

  it('stops with a clear error at the event and time limits', () => {
    const clock = new SimClock();
    const s = new Scheduler(clock, { maxEvents: 10, maxTimeMs: 1e9 });
    const loop = () => s.after(1, 'loop', loop);
    loop();
    expect(() => s.runUntilIdle()).toThrow(SchedulerLimitError);
    const s2 = new Scheduler(new SimClock(), { maxEvents: 1e6, maxTimeMs: 50 });
    s2.at(60, 'late', () => {});
    try {
      s2.runUntilIdle();
      expect.unreachable();
    } catch (e) {
      expect((e as SchedulerLimitError).code).toBe('max-time');
    }
  });

  it('the clock never runs backwards', () => {
    const c = new SimClock();
    c.advanceTo(10);
    expect(() => c.advanceTo(9)).toThrow(RangeError);
  });
});

describe('network', () => {
  function setup(loss: number, duplicate: number, seed = 1) {
    const clock = new SimClock();
    const scheduler = new Scheduler(clock, { maxEvents: 1e5, maxTimeMs: 1e7 });
    const trace = new Trace();
    const net = new Network(clock, scheduler, trace, ChaChaRng.fromSeed(seed), () => ({ delayMsMin: 1, delayMsMax: 20, loss, duplicate }));
    const got: Message[] = [];
    net.attach('b', (m) => got.push(m));
    return { net, scheduler, trace, got };
  }

  it('delivers with delays, loses and duplicates at about the configured rates, deterministically', () => {
    const a = setup(0.1, 0.1);
    for (let i = 0; i < 2000; i++) a.net.send('a', 'b', 'l', Uint8Array.of(i & 0xff), 'm');
    a.scheduler.runUntilIdle();
    const drops = a.trace.all.filter((e) => e.kind === 'drop').length;
    const dups = a.trace.all.filter((e) => e.kind === 'dup').length;
    expect(drops).toBeGreaterThan(140);
    expect(drops).toBeLessThan(260);
    expect(dups).toBeGreaterThan(120);
    expect(a.got.length).toBe(2000 - drops + dups);
    const b = setup(0.1, 0.1);
    for (let i = 0; i < 2000; i++) b.net.send('a', 'b', 'l', Uint8Array.of(i & 0xff), 'm');
    b.scheduler.runUntilIdle();
    expect(b.trace.traceHash()).toBe(a.trace.traceHash());
  });

  it('adversary hooks see the bytes and can drop, replace and inject', () => {
    const x = setup(0, 0);
    x.net.attach('c', (m) => x.got.push(m));
    x.net.hook('l', {
      onMessage: (m) => (m.bytes[0] === 1 ? [{ kind: 'drop' }] : m.bytes[0] === 2 ? [{ kind: 'replace', bytes: Uint8Array.of(9) }, { kind: 'inject', to: 'c', bytes: Uint8Array.of(7), label: 'evil', delayMs: 1 }] : []),
    });
    for (const v of [0, 1, 2]) x.net.send('a', 'b', 'l', Uint8Array.of(v), 'm');
    x.scheduler.runUntilIdle();
    expect(x.got.map((m) => [m.to, m.bytes[0]])).toEqual(expect.arrayContaining([['b', 0], ['b', 9], ['c', 7]]));
    expect(x.got).toHaveLength(3);
    expect(x.trace.all.some((e) => e.kind === 'tamper')).toBe(true);
  });

  it('a message to an unknown address is dropped and traced', () => {
    const x = setup(0, 0);
    x.net.send('a', 'nobody', 'l', new Uint8Array(1), 'm');
    x.scheduler.runUntilIdle();
    expect(x.trace.all.some((e) => e.kind === 'drop' && e.data?.reason === 'no-such-address')).toBe(true);
  });
});

describe('canonical JSON and the workload', () => {
  it('sorts keys and encodes bytes as hex', () => {
    expect(canonicalJson({ b: 1, a: [Uint8Array.of(1, 255), null], c: undefined })).toBe('{"a":["01ff",null],"b":1}');
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(TypeError);
  });

  it('the summariser is deterministic and extractive', () => {
    const msgs = [
      { from: 'ana', text: 'The budget review is tomorrow. Bring the budget numbers.' },
      { from: 'bo', text: 'Lunch?' },
      { from: 'ana', text: 'Budget numbers are in the shared folder.' },
    ];
    const s = extractiveSummariser.summarise(msgs, 2);
    expect(s).toBe(extractiveSummariser.summarise(msgs, 2));
    expect(s).toContain('budget');
    expect(s).not.toContain('Lunch');
  });
});
