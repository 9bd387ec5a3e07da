import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { INVARIANT_IDS } from '../../model/invariant-ids.js';
import { PphError } from '../../protocol/errors.js';
import {
  canonicalJson,
  listBuiltinScenarios,
  loadScenario,
  parseScenario,
  resolveScenarioPath,
  ScenarioError,
  scenarioHash,
} from '../../scenarios/index.js';

/** Runs `f`, expecting a ScenarioError; returns it for assertions on code, line and field. */
function scenarioError(f: () => unknown): ScenarioError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    expect(e).toBeInstanceOf(PphError);
    return e as ScenarioError;
  }
  throw new Error('expected a ScenarioError, nothing was thrown');
}

function parseError(text: string): ScenarioError {
  return scenarioError(() => parseScenario(text, 'x.yaml'));
}

const BUILTINS = ['default', 'consent', 'token-spend', 'unlogged-measurement', 'node-restart', 'lossy-network', 'ablation-no-token-spend'];

describe('built-in scenarios', () => {
  test('the list holds every required scenario', () => {
    const names = listBuiltinScenarios();
    for (const n of BUILTINS) expect(names).toContain(n);
    expect(names).toEqual([...names].sort());
  });

  test.each(listBuiltinScenarios())('%s loads, is named after its file and describes itself', (name) => {
    const path = resolveScenarioPath(name, '/nonexistent');
    expect(basename(path)).toBe(`${name}.yaml`);
    const s = loadScenario(path);
    expect(s.name).toBe(name);
    expect(s.description?.length ?? 0).toBeGreaterThan(40);
  });

  test('default: the small realistic world, every invariant expected to hold', () => {
    const s = loadScenario(resolveScenarioPath('default', '/'));
    expect(s.world).toMatchObject({ users: 4, chats: 10, excludedChats: 2, optedOutUsers: 1, nodes: 3, requests: 40 });
    expect(s.network.loss).toBe(0.01);
    expect(s.faults.nodeRestarts).toEqual([{ node: 1, atMs: 800 }]);
    expect(s.invariants).toEqual([...INVARIANT_IDS]);
    expect(Object.values(s.expect)).toEqual(INVARIANT_IDS.map(() => 'holds'));
  });

  test('each mechanism scenario sets what it exercises', () => {
    const load = (n: string) => loadScenario(resolveScenarioPath(n, '/'));
    const consent = load('consent');
    expect(consent.world.excludedChats).toBeGreaterThan(consent.world.chats / 3);
    expect(consent.world.optedOutUsers).toBeGreaterThan(1);
    const tokens = load('token-spend');
    expect(tokens.world.requests / tokens.world.users).toBeGreaterThan(5 * tokens.world.tokensPerUser);
    const unlogged = load('unlogged-measurement');
    expect(unlogged.world.unloggedNodes.length).toBeGreaterThan(0);
    expect(unlogged.world.unloggedNodes.length).toBeLessThan(unlogged.world.nodes);
    expect(unlogged.expect.attestation).toBe('holds');
    expect(load('node-restart').faults.nodeRestarts.length).toBeGreaterThan(2);
    const lossy = load('lossy-network');
    expect(lossy.network.loss).toBeGreaterThanOrEqual(0.1);
    expect(lossy.network.loss).toBeLessThanOrEqual(0.2);
    expect(lossy.network.duplicate).toBeGreaterThan(0);
    expect(lossy.expect.liveness).toBe('holds');
    const ablated = load('ablation-no-token-spend');
    expect(ablated.ablations).toEqual(['token-spend']);
    // Without spent-token records a replayed token is accepted twice (freshness) and served twice
    // (authorization); nothing else is expected to break.
    expect(Object.entries(ablated.expect).filter(([, v]) => v === 'violated').map(([k]) => k).sort()).toEqual(['authorization', 'freshness']);
  });
});

describe('defaults', () => {
  test('a file with only a name is a full scenario', () => {
    const s = parseScenario('name: tiny\n');
    expect(s).toEqual({
      name: 'tiny',
      profile: 'pp',
      ablations: [],
      world: {
        users: 4, chats: 10, excludedChats: 2, optedOutUsers: 1, messagesPerChat: 12, nodes: 3,
        unloggedNodes: [], requests: 40, tokensPerUser: 20, witnesses: 3, witnessQuorum: 2,
      },
      network: { delayMs: { min: 2, max: 30 }, loss: 0.01, duplicate: 0, requestTimeoutMs: 2000, retries: 2 },
      faults: { nodeRestarts: [] },
      limits: { maxEvents: 200000, maxTimeMs: 600000 },
      invariants: [...INVARIANT_IDS],
      expect: Object.fromEntries(INVARIANT_IDS.map((id) => [id, 'holds'])),
      adversaries: [],
    });
    expect(s.seed).toBeUndefined();
  });

  test('a partly written section keeps the defaults of the rest', () => {
    const s = parseScenario('name: tiny\nnetwork:\n  delayMs: { max: 9 }\n');
    expect(s.network.delayMs).toEqual({ min: 2, max: 9 });
    expect(s.network.retries).toBe(2);
  });

  test('a list of invariants checks only those, each expected to hold unless said otherwise', () => {
    const s = parseScenario('name: tiny\ninvariants: [liveness, consent]\nexpect: { liveness: violated }\n');
    expect(s.invariants).toEqual(['consent', 'liveness']); // canonical order
    expect(s.expect).toEqual({ consent: 'holds', liveness: 'violated' });
  });
});

describe('errors name the file, the line and the field', () => {
  test('a typo in a key: unknown key, its line, and a suggestion', () => {
    const e = parseError('name: x\nworld:\n  users: 2\n  nodez: 3\n');
    expect([e.code, e.file, e.line, e.column, e.field]).toEqual(['schema', 'x.yaml', 4, 3, 'world.nodez']);
    expect(e.message).toContain('nodes');
  });

  test('a typo in a top-level key', () => {
    const e = parseError('name: x\nseeed: 3\n');
    expect([e.code, e.line, e.field]).toEqual(['schema', 2, 'seeed']);
  });

  test('a wrong type', () => {
    const e = parseError('name: x\nworld:\n  users: two\n');
    expect([e.code, e.line, e.field]).toEqual(['schema', 3, 'world.users']);
  });

  test('an out-of-range value, with the message of the design', () => {
    const e = parseError('name: x\n\nworld:\n  users: 2\n  optedOutUsers: 0\n\n  nodes: 100\n');
    expect([e.code, e.line, e.field]).toEqual(['schema', 7, 'world.nodes']);
    expect(e.message).toBe('x.yaml:7: world.nodes: expected integer ≤ 64, got 100');
  });

  test('a probability out of range and a non-integer', () => {
    expect(parseError('name: x\nnetwork:\n  loss: 0.9\n')).toMatchObject({ line: 3, field: 'network.loss' });
    expect(parseError('name: x\nseed: 1.5\n')).toMatchObject({ line: 2, field: 'seed' });
  });

  test('a bad value inside a list item', () => {
    const e = parseError('name: x\nfaults:\n  nodeRestarts:\n    - { node: 0, atMs: 5 }\n    - { node: -1, atMs: 5 }\n');
    expect([e.code, e.line, e.field]).toEqual(['schema', 5, 'faults.nodeRestarts[1].node']);
  });

  test('a bad name in a list: profile, ablation, invariant', () => {
    expect(parseError('name: x\nprofile: pcx\n')).toMatchObject({ code: 'schema', line: 2, field: 'profile' });
    expect(parseError('name: x\nablations:\n  - padding\n  - nonce\n')).toMatchObject({ line: 4, field: 'ablations[1]' });
    expect(parseError('name: x\ninvariants: [liveness,\n  confidentialty]\n')).toMatchObject({ line: 3, field: 'invariants[1]' });
    expect(parseError('name: x\ninvariants: some\n')).toMatchObject({ line: 2, field: 'invariants' });
  });

  test('a missing or malformed name', () => {
    expect(parseError('world: {}\n')).toMatchObject({ code: 'schema', line: 1, field: 'name' });
    expect(parseError('\nname: Default\n')).toMatchObject({ code: 'schema', line: 2, field: 'name' });
  });

  test('YAML binary data is not read as a mapping of its bytes: the tag is refused (test/regressions/scenario-yaml.test.ts)', () => {
    expect(parseError('name: x\nworld:\n  nodes: !!binary aGVsbG8=\n')).toMatchObject({ code: 'yaml', line: 3 });
  });

  test('a document that is not a mapping', () => {
    expect(parseError('- a\n- b\n')).toMatchObject({ code: 'schema', line: 1, field: '' });
    expect(parseError('')).toMatchObject({ code: 'schema', line: 1, field: '' });
  });

  test('cross-field: excluded chats above chats', () => {
    const e = parseError('name: x\nworld:\n  chats: 3\n  excludedChats: 4\n');
    expect([e.code, e.line, e.field]).toEqual(['schema', 4, 'world.excludedChats']);
  });

  test('cross-field: every user opted out', () => {
    expect(parseError('name: x\nworld:\n  users: 2\n  optedOutUsers: 2\n')).toMatchObject({ line: 4, field: 'world.optedOutUsers' });
    // The default optedOutUsers (1) against users: 1 is reported at the field that is missing, under world.
    const byDefault = parseError('name: x\nworld:\n  users: 1\n');
    expect(byDefault).toMatchObject({ line: 2, field: 'world.optedOutUsers' });
    expect(byDefault.message).toContain('default');
  });

  test('cross-field: witness quorum above witnesses', () => {
    expect(parseError('name: x\nworld:\n  witnesses: 2\n  witnessQuorum: 3\n')).toMatchObject({ line: 4, field: 'world.witnessQuorum' });
  });

  test('cross-field: restart of a node that does not exist', () => {
    const e = parseError('name: x\nworld: { nodes: 2 }\nfaults:\n  nodeRestarts:\n    - node: 2\n      atMs: 10\n');
    expect([e.code, e.line, e.field]).toEqual(['schema', 5, 'faults.nodeRestarts[0].node']);
  });

  test('cross-field: an unlogged node that does not exist, or twice', () => {
    expect(parseError('name: x\nworld:\n  nodes: 2\n  unloggedNodes: [0, 5]\n')).toMatchObject({ line: 4, column: 22, field: 'world.unloggedNodes[1]' });
    expect(parseError('name: x\nworld:\n  unloggedNodes: [1, 1]\n')).toMatchObject({ line: 3, field: 'world.unloggedNodes[1]' });
  });

  test('cross-field: delay min above max', () => {
    expect(parseError('name: x\nnetwork:\n  delayMs:\n    min: 40\n    max: 30\n')).toMatchObject({ line: 4, field: 'network.delayMs.min' });
  });

  test('cross-field: expect names an unknown or unchecked invariant', () => {
    expect(parseError('name: x\nexpect:\n  freshnes: violated\n')).toMatchObject({ code: 'schema', line: 3, field: 'expect.freshnes' });
    expect(parseError('name: x\ninvariants: [liveness]\nexpect:\n  freshness: violated\n')).toMatchObject({ line: 4, field: 'expect.freshness' });
    expect(parseError('name: x\nexpect:\n  freshness: broken\n')).toMatchObject({ line: 3, field: 'expect.freshness' });
  });

  test('cross-field: duplicate ablations', () => {
    expect(parseError('name: x\nablations: [padding, relay, padding]\n')).toMatchObject({ line: 2, field: 'ablations[2]' });
  });

  test('every problem is listed, in file order, one line each', () => {
    const e = parseError('name: x\nworld:\n  nodez: 3\nnetwork:\n  loss: 2\n');
    expect(e.issues.map((i) => [i.line, i.field])).toEqual([[3, 'world.nodez'], [5, 'network.loss']]);
    expect(e.message.split('\n')).toHaveLength(2);
    expect([e.line, e.field]).toEqual([3, 'world.nodez']);
  });

  test('YAML syntax errors: code yaml, with the line', () => {
    const indent = parseError('name: x\nworld:\n  nodes: 3\n   users: 4\n');
    expect([indent.code, indent.line]).toEqual(['yaml', 3]);
    const unclosed = parseError('name: x\nworld: { nodes: 3\n');
    expect(unclosed.code).toBe('yaml');
    expect(unclosed.line).toBe(3);
    const duplicate = parseError('name: x\nseed: 1\nseed: 2\n');
    expect([duplicate.code, duplicate.line, duplicate.column]).toEqual(['yaml', 3, 1]);
  });

  test('alias bombs are refused, not expanded', () => {
    const rows = ['name: x', 'a: &a [1,1,1,1,1,1,1,1,1,1]'];
    for (const [k, ref] of [['b', 'a'], ['c', 'b'], ['d', 'c']]) rows.push(`${k}: &${k} [${Array(10).fill(`*${ref}`).join(',')}]`);
    expect(parseError(rows.join('\n')).code).toBe('yaml');
  });

  test('oversized text is refused before parsing', () => {
    expect(parseError(`name: x\ndescription: "${'a'.repeat(1 << 20)}"\n`).code).toBe('io');
  });
});

describe('loadScenario', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pph-scenarios-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('an error names the file as given', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'name: bad\nworld:\n  nodes: 0\n');
    const e = scenarioError(() => loadScenario(file));
    expect([e.code, e.file, e.line, e.field]).toEqual(['schema', file, 3, 'world.nodes']);
    expect(e.message.startsWith(`${file}:3: world.nodes: `)).toBe(true);
  });

  test('a missing file or a directory is an io error', () => {
    expect(scenarioError(() => loadScenario(join(dir, 'missing.yaml')))).toMatchObject({ code: 'io', line: null, field: '' });
    expect(scenarioError(() => loadScenario(dir)).code).toBe('io');
  });
});

describe('scenarioHash', () => {
  const a = 'name: h\nworld:\n  users: 5\n  nodes: 4\nnetwork: { loss: 0.02 }\nablations: [padding, relay]\n';

  test('is SHA-256 hex of the canonical JSON', () => {
    expect(scenarioHash(parseScenario(a))).toMatch(/^[0-9a-f]{64}$/);
    expect(canonicalJson({ b: 1, a: [true, null, 'x'] })).toBe('{"a":[true,null,"x"],"b":1}');
  });

  test('the same content in another key order, layout, with comments: same hash', () => {
    const b = [
      '# a comment',
      'ablations:',
      '  - relay',
      '  - padding',
      'network:',
      '  loss: 0.02',
      'world: { nodes: 4, users: 5 }',
      'name: h',
      '',
    ].join('\n');
    expect(scenarioHash(parseScenario(b))).toBe(scenarioHash(parseScenario(a)));
  });

  test('defaults written out, or "all" spelled as the list: same hash', () => {
    const explicit = `${a}profile: pp\nlimits: { maxEvents: 200000 }\ninvariants: [${[...INVARIANT_IDS].reverse().join(', ')}]\n`;
    expect(scenarioHash(parseScenario(explicit))).toBe(scenarioHash(parseScenario(a)));
  });

  test('any changed value changes the hash', () => {
    const base = scenarioHash(parseScenario(a));
    for (const changed of [
      a.replace('users: 5', 'users: 6'),
      a.replace('0.02', '0.021'),
      a.replace('name: h', 'name: i'),
      a.replace('[padding, relay]', '[padding]'),
      `${a}expect: { freshness: violated }\n`,
      `${a}seed: 1\n`,
    ]) {
      expect(scenarioHash(parseScenario(changed))).not.toBe(base);
    }
  });
});

describe('resolveScenarioPath', () => {
  test("'default' and 'default.yaml' are the built-in file", () => {
    const builtin = resolveScenarioPath('default', '/somewhere/else');
    expect(basename(builtin)).toBe('default.yaml');
    expect(basename(dirname(builtin))).toBe('scenarios');
    expect(resolveScenarioPath('default.yaml', '/somewhere/else')).toBe(builtin);
    expect(loadScenario(builtin).name).toBe('default');
  });

  test('paths are relative to cwd; a local file shadows a built-in of the same file name', () => {
    expect(resolveScenarioPath('mine/x.yaml', '/home/maya')).toBe('/home/maya/mine/x.yaml');
    expect(resolveScenarioPath('./default.yaml', '/home/maya')).toBe('/home/maya/default.yaml');
    expect(resolveScenarioPath('/abs/x.yaml', '/home/maya')).toBe('/abs/x.yaml');
    expect(resolveScenarioPath('no-such-builtin', '/home/maya')).toBe('/home/maya/no-such-builtin');
    const dir = mkdtempSync(join(tmpdir(), 'pph-resolve-'));
    try {
      writeFileSync(join(dir, 'default.yaml'), 'name: mine\n');
      expect(resolveScenarioPath('default.yaml', dir)).toBe(join(dir, 'default.yaml'));
      expect(basename(dirname(resolveScenarioPath('default', dir)))).toBe('scenarios');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
