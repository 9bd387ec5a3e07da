/**
 * Issue 14, scenario YAML: billion-laughs and a 50 MB file gave exit 2 without a line naming the
 * cause; custom tags (`!foo`, `!!js/function`) and non-UTF-8 bytes were accepted silently. Now each
 * is a ScenarioError (exit 2) whose issue names the file, the line and the cause.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.js';
import { memoryIo } from '../../cli/io.js';
import { loadScenario, parseScenario, parseScenarioBytes, SCENARIO_FILE_LIMITS, ScenarioError } from '../../scenarios/load.js';

const dir = mkdtempSync(join(tmpdir(), 'pph-yaml-'));

function scenarioError(f: () => unknown): ScenarioError {
  try {
    f();
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error('expected a ScenarioError, nothing was thrown');
}

async function cli(file: string) {
  const io = memoryIo();
  const code = await runCli(['run', file], io);
  return { code, err: io.stderr.join('\n') };
}

const LAUGHS = [
  'name: laughs',
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
  'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
  'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
  'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
  'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
  'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
  '',
].join('\n');

describe('resource limits of a scenario file', () => {
  it('billion laughs: yaml, at the line of the first alias, naming yamlAliasesMax', async () => {
    const e = scenarioError(() => parseScenario(LAUGHS, 'laughs.yaml'));
    expect(e.code).toBe('yaml');
    expect(e.line).toBe(3);
    const f = join(dir, 'laughs.yaml');
    writeFileSync(f, LAUGHS);
    const r = await cli(f);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${f}:3`);
    expect(r.err).toContain('yamlAliasesMax');
  });

  it('a few aliases below the limit still work', () => {
    const s = parseScenario('name: ok\nablations: &none []\nadversaries: *none\nworld: { users: 3 }\n', 'ok.yaml');
    expect(s.world.users).toBe(3);
    expect(s.adversaries).toEqual([]);
    expect(SCENARIO_FILE_LIMITS.yamlAliasesMax).toBeGreaterThan(0);
  });

  it('a 50 MB file: io before any parsing, naming scenarioBytesMax', async () => {
    const f = join(dir, 'big.yaml');
    writeFileSync(f, 'name: big\ndescription: |\n' + ('  ' + 'x'.repeat(98) + '\n').repeat(500_000));
    expect(scenarioError(() => loadScenario(f)).code).toBe('io');
    const r = await cli(f);
    expect(r.code).toBe(2);
    expect(r.err).toContain(f);
    expect(r.err).toContain('scenarioBytesMax');
  });

  it('text or bytes over the limit given directly: io', () => {
    const text = 'name: big\n#' + 'x'.repeat(SCENARIO_FILE_LIMITS.scenarioBytesMax);
    expect(scenarioError(() => parseScenario(text)).code).toBe('io');
    expect(scenarioError(() => parseScenarioBytes(new TextEncoder().encode(text))).code).toBe('io');
  });
});

describe('only plain YAML: no custom tags, no other YAML version, no collection keys', () => {
  const cases: [string, string, number][] = [
    ['a local tag', 'name: tagged\ndescription: !foo bar\n', 2],
    ['!!js/function', 'name: tagged\ndescription: !!js/function "function () {}"\n', 2],
    ['a verbatim custom tag', 'name: tagged\n\ndescription: !<tag:example.com,2026:evil> x\n', 3],
    ['!!binary under %YAML 1.1', '%YAML 1.1\n---\nname: tagged\ndescription: !!binary aGVsbG8=\n', 1],
    ['!!set', 'name: tagged\nadversaries: !!set { a, b }\n', 2],
    ['a mapping as a key', 'name: tagged\n? { a: 1 }\n: 2\n', 2],
  ];
  for (const [what, text, line] of cases) {
    it(`${what}: yaml at line ${line}`, async () => {
      const e = scenarioError(() => parseScenario(text, 't.yaml'));
      expect(e.code).toBe('yaml');
      expect(e.line).toBe(line);
      const f = join(dir, `${what.replace(/[^a-z0-9]+/gi, '-')}.yaml`);
      writeFileSync(f, text);
      const r = await cli(f);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`${f}:${line}`);
    });
  }

  it('core-schema tags (!!str, !!int) are plain data and stay allowed', () => {
    const s = parseScenario('name: !!str tagged\nworld: { users: !!int 3 }\n', 't.yaml');
    expect(s.name).toBe('tagged');
    expect(s.world.users).toBe(3);
  });
});

describe('UTF-8 only', () => {
  it('a Latin-1 byte: yaml, with line and column', async () => {
    const bytes = Buffer.from('name: bad\ndescription: "caf\xe9"\n', 'latin1');
    const e = scenarioError(() => parseScenarioBytes(bytes, 'latin1.yaml'));
    expect(e.code).toBe('yaml');
    expect([e.line, e.column]).toEqual([2, 18]);
    const f = join(dir, 'latin1.yaml');
    writeFileSync(f, bytes);
    const r = await cli(f);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${f}:2`);
  });

  it('an overlong encoding and a lone surrogate: yaml', () => {
    for (const bad of [[0xc0, 0xaf], [0xed, 0xa0, 0x80]]) {
      const bytes = Buffer.concat([Buffer.from('name: x\ndescription: "'), Buffer.from(bad), Buffer.from('"\n')]);
      expect(scenarioError(() => parseScenarioBytes(bytes)).code).toBe('yaml');
    }
  });

  it('UTF-8 text, with or without a byte order mark, loads', () => {
    const f = join(dir, 'bom.yaml');
    writeFileSync(f, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('name: bom\ndescription: "naïve café ☕"\n')]));
    const s = loadScenario(f);
    expect(s.name).toBe('bom');
    expect(s.description).toBe('naïve café ☕');
  });
});
