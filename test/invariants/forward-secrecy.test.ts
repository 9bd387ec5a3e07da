/**
 * `forward-secrecy` (PROTOCOL.md): keys seized after the fact reveal no past content. After the run
 * the `later` position restarts every node, seizes the gateway, log, vendor and node keys, and
 * replays what it recorded. With the planted bug `nodeKeySurvivesRestart` a node's key after
 * restart is the one it used before, so the replay opens past requests.
 */
import { describe, expect, it } from 'vitest';
import { expectHolds, expectViolated, nodeOf, once, requestNamed, run, smallWorld } from './small-world.js';

const benign = once(() => run(smallWorld('fs-benign')));
const keySurvives = once(() => run(smallWorld('fs-key-survives'), { nodeKeySurvivesRestart: true }));

describe('forward-secrecy', () => {
  it('holds on a benign small world: the seizure really tried every recorded message', () => {
    const d = benign();
    const v = expectHolds(d, 'forward-secrecy');
    expect(v.measures?.seized).toEqual(['gateway-ohttp', 'log', 'vendor', 'enclave-0 (after restart)', 'enclave-1 (after restart)']);
    expect(v.measures?.attempts).toBeGreaterThan(0);
    // The gateway key opens the outer layer (not forward secret by design), never the inner one.
    expect(d.view.forwardSecrecy.opened.every((o) => o.what === 'gateway OHTTP key')).toBe(true);
  });

  it('is violated when a node key survives restart: the seized key opens recorded requests of that node', () => {
    const d = keySurvives();
    const v = expectViolated(d, 'forward-secrecy');
    for (const p of v.proof) {
      const m = /^seized (enclave-\d+) key opens recorded traffic of (req-\d+)$/.exec(p.why);
      expect(m, p.why).not.toBeNull();
      expect(nodeOf(d.view, requestNamed(p.why))).toBe(m![1]);
      expect(d.trace[p.event]).toMatchObject({ kind: 'fact', party: 'later', data: { fact: 'seized-open' } });
    }
    expect(v.measures?.violations).toBe(2 * d.result.stats.ok); // each request recorded twice: relay→gateway, gateway→node
  });
});
