import { describe, expect, test } from 'vitest';
import { ABLATION_NAMES } from '../../model/profile.js';
import { ScenarioError, ScenarioSchema, scenarioFromObject, type ScenarioInput } from '../../scenarios/index.js';

function objectError(input: unknown): ScenarioError {
  try {
    scenarioFromObject(input);
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return e as ScenarioError;
  }
  throw new Error('expected a ScenarioError, nothing was thrown');
}

describe('ScenarioSchema', () => {
  test('normal form: sets in canonical order, restarts by time', () => {
    const input: ScenarioInput = {
      name: 'n',
      ablations: ['relay', 'client-nonce'],
      world: { nodes: 4, unloggedNodes: [3, 1] },
      faults: { nodeRestarts: [{ node: 2, atMs: 90 }, { node: 1, atMs: 10 }, { node: 0, atMs: 90 }] },
    };
    const s = ScenarioSchema.parse(input);
    expect(s.ablations).toEqual(['client-nonce', 'relay']);
    expect(s.world.unloggedNodes).toEqual([1, 3]);
    expect(s.faults.nodeRestarts).toEqual([{ node: 1, atMs: 10 }, { node: 0, atMs: 90 }, { node: 2, atMs: 90 }]);
  });

  test('every ablation name is accepted', () => {
    expect(ScenarioSchema.parse({ name: 'n', ablations: ABLATION_NAMES }).ablations).toEqual(ABLATION_NAMES);
  });

  test('boundaries are inclusive on both sides', () => {
    const ok = { name: 'n', world: { users: 1, optedOutUsers: 0, chats: 1, excludedChats: 1, nodes: 64, witnesses: 1, witnessQuorum: 1 } };
    expect(ScenarioSchema.safeParse(ok).success).toBe(true);
    expect(ScenarioSchema.safeParse({ ...ok, world: { ...ok.world, nodes: 65 } }).success).toBe(false);
    expect(ScenarioSchema.safeParse({ ...ok, world: { ...ok.world, users: 0 } }).success).toBe(false);
    expect(ScenarioSchema.safeParse({ name: 'n', network: { loss: 0.5, duplicate: 0.5, delayMs: { min: 7, max: 7 } } }).success).toBe(true);
    expect(ScenarioSchema.safeParse({ name: 'n', network: { loss: -0.01 } }).success).toBe(false);
    expect(ScenarioSchema.safeParse({ name: 'n', faults: { nodeRestarts: [{ node: 0, atMs: 599_999 }] } }).success).toBe(true);
    expect(ScenarioSchema.safeParse({ name: 'n', faults: { nodeRestarts: [{ node: 0, atMs: 600_000 }] } }).success).toBe(false);
  });

  test('lists have a limit', () => {
    const restarts = Array.from({ length: 1001 }, (_, i) => ({ node: 0, atMs: i }));
    const e = objectError({ name: 'n', faults: { nodeRestarts: restarts } });
    expect([e.code, e.field, e.line]).toEqual(['schema', 'faults.nodeRestarts', null]);
  });
});

describe('scenarioFromObject', () => {
  test('validates a scenario written in code', () => {
    expect(scenarioFromObject({ name: 'mine', world: { users: 2, optedOutUsers: 0 } }).world.users).toBe(2);
  });

  test('errors name the field, with no line', () => {
    const e = objectError({ name: 'mine', world: { nodes: 'three' }, extra: 1 });
    expect(e.code).toBe('schema');
    expect(e.file).toBe('<object>');
    expect(e.issues.map((i) => i.field).sort()).toEqual(['extra', 'world.nodes']);
    expect(e.line).toBeNull();
  });

  test('a value that is not an object', () => {
    for (const v of [null, undefined, 3, 'name: x', [], new Uint8Array(2), new Map()]) {
      expect(objectError(v)).toMatchObject({ code: 'schema', field: '' });
    }
  });

  test('a value that is not plain data, deep inside', () => {
    expect(objectError({ name: 'n', world: { nodes: new Uint8Array(3) } })).toMatchObject({ code: 'schema', field: 'world.nodes' });
    expect(objectError({ name: 'n', adversaries: [() => 1] })).toMatchObject({ field: 'adversaries[0]' });
  });
});
