/**
 * Parties see only their port (issue 13, item 1; house rule 8): every party class takes PartyPort
 * arguments and nothing else (type level), and nothing reachable from a party object through its
 * fields, its port's fields and its configuration is the World, its observer, trace, network,
 * scheduler, ground-truth tables or hooks, or another party (run time, on a built world of each
 * base profile). Closures the port holds are opaque to a party: it can call them, not read them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { World } from '../../sim/world.js';
import type { PartyPort } from '../../sim/port.js';
import { ClientParty, type ClientConfig } from '../../sim/parties/client.js';
import { GatewayParty, type GatewayConfig } from '../../sim/parties/gateway.js';
import { NodeParty, type NodeConfig } from '../../sim/parties/node.js';
import { RelayParty, type RelayConfig } from '../../sim/parties/relay.js';
import { IssuerParty } from '../../sim/parties/issuer.js';
import { LogParty } from '../../sim/parties/log.js';
import { tinyWorld } from '../helpers/small-worlds.js';

/** `true` when every constructor argument is a PartyPort. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type PortsOnly<T extends unknown[]> = T extends [PartyPort<any>, ...PartyPort<any>[]] ? true : false;

/** Every object reachable from `root` through own enumerable and private (#-less) fields, Maps, Sets and arrays. */
function reachable(root: object): Set<object> {
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (ArrayBuffer.isView(v)) continue;
    if (v instanceof Map) for (const [k, x] of v) stack.push(k, x);
    else if (v instanceof Set) for (const x of v) stack.push(x);
    for (const k of Object.getOwnPropertyNames(v)) {
      const d = Object.getOwnPropertyDescriptor(v, k);
      if (d && 'value' in d) stack.push(d.value);
    }
  }
  return seen;
}

function forbiddenOf(world: World): Map<object, string> {
  const f = new Map<object, string>([
    [world, 'the World'],
    [world.observer, 'the observer'],
    [world.trace, 'the trace'],
    [world.network, 'the network'],
    [world.scheduler, 'the scheduler'],
    [world.clock, 'the clock'],
    [world.provenance, 'the provenance table'],
    [world.reportNonce, 'the report-nonce table'],
    [world.hooks, 'the adversary hooks'],
    [world.compromised, 'the compromised-node table'],
    [world.marks, 'the coverage marks'],
    [world.workload, 'the workload'],
    [world.keys, 'the world keys'],
    [world.rng, "the world's Rng"],
  ]);
  return f;
}

function parties(world: World): { name: string; party: object }[] {
  return [
    ...world.clients.map((c) => ({ name: c.name, party: c })),
    { name: 'relay', party: world.relay },
    { name: 'gateway', party: world.gateway },
    ...world.nodes.map((n) => ({ name: n.enclaveName, party: n })),
    { name: 'issuer', party: world.issuer },
    { name: 'log', party: world.log },
  ];
}

describe('parties see only their port', () => {
  it('each party class takes PartyPort arguments only (type level)', () => {
    expectTypeOf<ConstructorParameters<typeof ClientParty>>().toEqualTypeOf<[PartyPort<ClientConfig>]>();
    expectTypeOf<ConstructorParameters<typeof GatewayParty>>().toEqualTypeOf<[PartyPort<GatewayConfig>]>();
    expectTypeOf<ConstructorParameters<typeof NodeParty>>().toEqualTypeOf<[PartyPort<NodeConfig>, PartyPort<NodeConfig>]>();
    expectTypeOf<ConstructorParameters<typeof RelayParty>>().toEqualTypeOf<[PartyPort<RelayConfig>]>();
    expectTypeOf<PortsOnly<ConstructorParameters<typeof IssuerParty>>>().toEqualTypeOf<true>();
    expectTypeOf<PortsOnly<ConstructorParameters<typeof LogParty>>>().toEqualTypeOf<true>();
    // The helper itself tells a World argument apart.
    expectTypeOf<PortsOnly<[World, number]>>().toEqualTypeOf<false>();
    expectTypeOf<PartyPort>().not.toHaveProperty('world');
  });

  for (const profile of ['pp', 'pcc']) {
    it(`no party reaches the World, its ground truth or another party (profile ${profile}, after a run)`, () => {
      const world = new World({ ...tinyWorld(), profile }, 7, {});
      world.run();
      const forbidden = forbiddenOf(world);
      const all = parties(world);
      for (const { party } of all) forbidden.set(party, 'another party');
      const found: string[] = [];
      for (const { name, party } of all) {
        for (const o of reachable(party)) {
          const what = forbidden.get(o);
          if (what && o !== party) found.push(`${name} reaches ${what}`);
        }
      }
      expect(found).toEqual([]);
    });
  }

  it('no party module imports the World or the observer (source level)', () => {
    const dir = join(process.cwd(), 'sim', 'parties');
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThanOrEqual(6);
    const bad = files.filter((f) => /from '\.\.\/(world|observer|world-keys|later)\.js'/.test(readFileSync(join(dir, f), 'utf8').replace(/import type \{ WorldChip \} from '\.\.\/world-keys\.js';/, '')));
    expect(bad).toEqual([]);
  });

  it('the walk finds a World planted in a party (the check can fail)', () => {
    const world = new World(tinyWorld(), 7, {});
    const gateway = world.gateway as unknown as Record<string, unknown>;
    gateway.leak = { deep: [new Map([['w', world]])] };
    expect(reachable(world.gateway).has(world)).toBe(true);
    // A port's config holding the observer is found too.
    const client = world.clients[0] as unknown as { port: { config: Record<string, unknown> } };
    expect(reachable(world.clients[0]!).has(world.observer)).toBe(false);
    (client.port.config as Record<string, unknown>).observer = world.observer;
    expect(reachable(world.clients[0]!).has(world.observer)).toBe(true);
  });
});
