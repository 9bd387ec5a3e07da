/**
 * Issue 14, "Unbounded inputs and limits": every CLI input is stat'ed first, only a regular file
 * (or `-`, standard input) is read, and the read is bounded by the limit of its kind. Before the
 * fix `pph run /dev/zero`, `pph tlog verify-note … /dev/zero` and `--vcek /dev/urandom` read until
 * std::bad_alloc and a FIFO blocked.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.js';
import { memoryIo } from '../../cli/io.js';
import { INPUT_LIMITS, limitFor, readBoundedBytes, resetStdinForTests } from '../../cli/read-bounded.js';
import { UsageError } from '../../cli/io.js';
import { decodeUtf8Strict, InputFileError, readFileBounded, utf8Problem } from '../../scenarios/input-file.js';
import { loadScenario, scenarioFromObject, ScenarioError } from '../../scenarios/load.js';
import { runScenario } from '../../sim/runner.js';
import { runAttacked } from '../../adversaries/index.js';
import { executeRun, fcSeedFor, type CampaignSpec } from '../../sim/campaign.js';
import { runCampaign } from '../../cli/campaign/pool.js';
import { assertSeed } from '../../sim/seed.js';
import { runWithin } from '../../cli/run-within.js';
import { Ed25519NoteSigner, formatVerifierKey, SIG_TYPE_ED25519 } from '../../protocol/tlog/note-key.js';
import { vectorPath, vectorsAvailable } from '../helpers/vectors.js';

const dir = mkdtempSync(join(tmpdir(), 'pph-bounded-'));
const fifo = join(dir, 'fifo');
execFileSync('mkfifo', [fifo]);
const repo = resolve(import.meta.dirname, '..', '..');
const signer = new Ed25519NoteSigner('example.com/log', new Uint8Array(32).fill(7));
const VKEY = formatVerifierKey(signer.name, SIG_TYPE_ED25519, signer.publicKey) + '\n';

async function cli(...argv: string[]) {
  const io = memoryIo();
  const code = await runCli(argv, io);
  return { code, err: io.stderr.join('\n'), out: io.stdout };
}

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (!(e instanceof InputFileError)) throw e;
    return e.code;
  }
  throw new Error('nothing thrown');
}

describe('readFileBounded: stat first, regular files only, bounded read', () => {
  const limit = { name: 'testBytesMax', bytes: 16 };

  it('reads a regular file within the limit, exactly', () => {
    const f = join(dir, 'ok.bin');
    writeFileSync(f, Uint8Array.of(1, 2, 3));
    expect([...readFileBounded(f, 'input', limit)]).toEqual([1, 2, 3]);
    const full = join(dir, 'full.bin');
    writeFileSync(full, new Uint8Array(16));
    expect(readFileBounded(full, 'input', limit)).toHaveLength(16);
  });

  it('refuses one byte over the limit: too-large', () => {
    const f = join(dir, 'over.bin');
    writeFileSync(f, new Uint8Array(17));
    expect(codeOf(() => readFileBounded(f, 'input', limit))).toBe('too-large');
  });

  it('refuses /dev/zero, /dev/urandom, a FIFO and a directory without reading: not-regular', () => {
    for (const p of ['/dev/zero', '/dev/urandom', fifo, dir]) expect(codeOf(() => readFileBounded(p, 'input', limit))).toBe('not-regular');
  });

  it('a missing file: missing', () => {
    expect(codeOf(() => readFileBounded(join(dir, 'nope'), 'input', limit))).toBe('missing');
  });

  it('every kind of input has a limit named with units last, and unknown kinds get the default', () => {
    for (const name of Object.keys(INPUT_LIMITS)) expect(name).toMatch(/BytesMax$/);
    expect(limitFor('note')).toEqual({ name: 'noteBytesMax', bytes: INPUT_LIMITS.noteBytesMax });
    expect(limitFor('VCEK').name).toBe('certificateBytesMax');
    expect(limitFor('something else').name).toBe('inputBytesMax');
  });

  it('the CLI reader turns each refusal into a UsageError (exit 2)', () => {
    resetStdinForTests();
    expect(() => readBoundedBytes('/dev/zero', 'note')).toThrow(UsageError);
    expect(() => readBoundedBytes(fifo, 'note')).toThrow(UsageError);
  });
});

describe('strict UTF-8 for text inputs', () => {
  it('names the line and column of the first bad byte', () => {
    expect(utf8Problem(new TextEncoder().encode('naïve\nok'))).toBeNull();
    expect(utf8Problem(Uint8Array.of(0x61, 0x0a, 0x62, 0xe9, 0x0a))).toEqual({ offset: 3, line: 2, column: 2, byte: 0xe9 });
  });

  it('refuses overlong forms, surrogates, code points above U+10FFFF and truncated sequences', () => {
    for (const bad of [[0xc0, 0x80], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82]]) {
      const p = utf8Problem(Uint8Array.from([0x41, ...bad]));
      expect(p).not.toBeNull();
      expect(p!.offset).toBe(1);
      expect(codeOf(() => decodeUtf8Strict(Uint8Array.from(bad), 'x', 'text'))).toBe('not-utf8');
    }
  });
});

describe('the CLI commands on unbounded inputs: exit 2, quickly, naming the file', () => {
  it('pph run /dev/zero, a FIFO, a directory', async () => {
    for (const p of ['/dev/zero', fifo, dir]) {
      const r = await cli('run', p);
      expect({ p, code: r.code }).toEqual({ p, code: 2 });
      expect(r.err).toContain(p);
      expect(r.err).toContain('ScenarioError [io]');
    }
  });

  it('loadScenario: the same refusals as ScenarioError io, and a file over scenarioBytesMax', () => {
    const big = join(dir, 'big.yaml');
    writeFileSync(big, 'name: big\n' + '#'.repeat(INPUT_LIMITS.scenarioBytesMax));
    for (const p of ['/dev/zero', fifo, big]) {
      try {
        loadScenario(p);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(ScenarioError);
        expect((e as ScenarioError).code).toBe('io');
        expect((e as ScenarioError).file).toBe(p);
      }
    }
  });

  it('pph tlog verify-note with the note or the vkey file on /dev/zero, /dev/urandom or a FIFO', async () => {
    const vkey = join(dir, 'k.vkey');
    writeFileSync(vkey, VKEY);
    const note = join(dir, 'n.note');
    writeFileSync(note, 'x\n');
    for (const argv of [
      ['tlog', 'verify-note', '--vkey', vkey, '/dev/zero'],
      ['tlog', 'verify-note', '--vkey', vkey, fifo],
      ['tlog', 'verify-note', '--vkey', '/dev/urandom', note],
    ]) {
      resetStdinForTests();
      const r = await cli(...argv);
      expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
      expect(r.err).toContain(argv[argv[4] === note ? 3 : 4]!);
    }
  });

  it('a note over noteBytesMax: exit 2 naming the limit', async () => {
    const vkey = join(dir, 'k2.vkey');
    writeFileSync(vkey, VKEY);
    const note = join(dir, 'huge.note');
    writeFileSync(note, new Uint8Array(INPUT_LIMITS.noteBytesMax + 1).fill(0x61));
    const r = await cli('tlog', 'verify-note', '--vkey', vkey, note);
    expect(r.code).toBe(2);
    expect(r.err).toContain('noteBytesMax');
  });

  it('pph evidence verify --vcek /dev/urandom and a report that is a FIFO', async () => {
    const chain = join(dir, 'chain.pem');
    writeFileSync(chain, '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n');
    const report = join(dir, 'report.bin');
    writeFileSync(report, new Uint8Array(1184));
    for (const argv of [
      ['evidence', 'verify', '--chain', chain, '--vcek', '/dev/urandom', report],
      ['evidence', 'verify', '--chain', '/dev/zero', '--vcek', report, report],
    ]) {
      const r = await cli(...argv);
      expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
      expect(r.err).toMatch(/\/dev\/(urandom|zero)/);
    }
  });

  it('pph trace show on a FIFO', async () => {
    const r = await cli('trace', 'show', fifo);
    expect(r.code).toBe(2);
    expect(r.err).toContain(fifo);
  });

  it('a text input that is not UTF-8 (a vkey file): exit 2 naming the line', async () => {
    const vkey = join(dir, 'latin1.vkey');
    writeFileSync(vkey, Buffer.concat([Buffer.from(VKEY), Buffer.from('caf\xe9\n', 'latin1')]));
    const r = await cli('tlog', 'verify-note', '--vkey', vkey, join(dir, 'n.note'));
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${vkey}:2:4`);
  });
});

describe('standard input (-) is read with the same limit (subprocess)', () => {
  const tsx = join(repo, 'node_modules', '.bin', 'tsx');
  const main = join(repo, 'cli', 'main.ts');
  mkdirSync(dir, { recursive: true });

  it('/dev/zero on standard input: exit 2 at noteBytesMax, not an endless read', () => {
    const vkey = join(dir, 'k3.vkey');
    writeFileSync(vkey, VKEY);
    const zero = openSync('/dev/zero', 'r');
    try {
      const r = spawnSync(tsx, [main, 'tlog', 'verify-note', '--vkey', vkey, '-'], { stdio: [zero, 'pipe', 'pipe'], encoding: 'utf8', timeout: 50_000 });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('noteBytesMax');
    } finally {
      closeSync(zero);
    }
  });

  it.runIf(vectorsAvailable())('a real note on standard input verifies (exit 0)', () => {
    const r = spawnSync(tsx, [main, 'tlog', 'verify-note', '--vkey', vectorPath('checkpoint', 'sum.golang.org.vkey'), '-'], {
      input: readFileBoundedSafe(vectorPath('checkpoint', 'sumdb-30055305.note')),
      encoding: 'utf8',
      timeout: 50_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('valid: -');
  });
});

function readFileBoundedSafe(path: string): Buffer {
  return Buffer.from(readFileBounded(path, 'note', { name: 'noteBytesMax', bytes: INPUT_LIMITS.noteBytesMax }));
}

describe('library seeds: a non-negative integer up to 2^53 - 1, else RangeError (TypeError for a non-number)', () => {
  const tiny = scenarioFromObject({ name: 'tiny', world: { users: 1, optedOutUsers: 0, requests: 0, chats: 1, excludedChats: 0 } });
  const bad = [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, -0.5];

  it('runScenario and runAttacked refuse each bad seed before running', () => {
    for (const seed of bad) {
      expect(() => runScenario(tiny, { seed })).toThrow(RangeError);
      expect(() => runAttacked(tiny, { seed, adversaries: ['malicious-relay'] })).toThrow(RangeError);
    }
    expect(() => runScenario(tiny, { seed: '7' as unknown as number })).toThrow(TypeError);
  });

  it('the campaign entry points (fcSeedFor, executeRun, runCampaign) refuse them too', async () => {
    for (const seed of bad) {
      expect(() => fcSeedFor(seed, 0)).toThrow(RangeError);
      const cs = { spec: tiny, attackers: [], expect: {}, seed, runs: 1 } as unknown as CampaignSpec;
      expect(() => executeRun(cs, [], 0)).toThrow(RangeError);
      await expect(runCampaign(cs, { workers: 1, shard: null, timeLimitS: null, outDir: null, resume: false })).rejects.toThrow(RangeError);
    }
    expect(() => fcSeedFor(1, -1)).toThrow(RangeError);
  });

  it('what the code accepted before stays accepted: 0, 2^32 - 1 (pph run --seed), 2^53 - 1 (a scenario file seed)', () => {
    for (const seed of [0, 2 ** 32 - 1, Number.MAX_SAFE_INTEGER]) expect(assertSeed(seed)).toBe(seed);
    expect(runScenario(tiny, { seed: 0 }).seed).toBe(0);
    expect(runScenario(tiny, { seed: Number.MAX_SAFE_INTEGER }).seed).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('pph run --time-limit: progress on stderr, exit 130 at the limit, same result within it', () => {
  const tinyFile = join(dir, 'tiny.yaml');
  writeFileSync(tinyFile, 'name: tiny\nworld: { users: 1, optedOutUsers: 0, requests: 2, chats: 1, excludedChats: 0 }\n');
  // Hundreds of requests: minutes of CPU on any machine, so 1-2 s can never be enough.
  const heavyFile = join(dir, 'heavy.yaml');
  writeFileSync(heavyFile, 'name: heavy\nworld: { users: 4, requests: 300, tokensPerUser: 100 }\n');

  it('a run that cannot finish in 1 s is interrupted: exit 130, one line naming the limit', async () => {
    const io = memoryIo();
    const code = await runCli(['run', heavyFile, '--time-limit', '1'], io);
    expect(code).toBe(130);
    expect(io.stderr.some((l) => l.includes('--time-limit 1 s'))).toBe(true);
    expect(io.stdout).toEqual([]);
  });

  it('within the limit the worker gives the same trace hash and exit code as an in-process run', async () => {
    const a = memoryIo();
    const b = memoryIo();
    const codeA = await runCli(['run', tinyFile, '--json'], a);
    const codeB = await runCli(['run', tinyFile, '--json', '--time-limit', '120'], b);
    expect(codeB).toBe(codeA);
    expect(JSON.parse(b.stdout[0]!).traceHash).toBe(JSON.parse(a.stdout[0]!).traceHash);
  });

  it('bad input in the worker is still exit 2; a bad --time-limit is a usage error', async () => {
    const io = memoryIo();
    expect(await runCli(['run', '/dev/zero', '--time-limit', '30'], io)).toBe(2);
    expect(io.stderr.join('\n')).toContain('ScenarioError [io]');
    expect(await runCli(['run', tinyFile, '--time-limit', '0'], memoryIo())).toBe(2);
    expect(await runCli(['run', tinyFile, '--time-limit', 'x'], memoryIo())).toBe(2);
  });

  it('progress lines come at the interval while the run goes on', async () => {
    const io = memoryIo();
    const r = await runWithin(heavyFile, 1, io, 2, 'heavy seed 1', 300);
    expect(r.finished).toBe(false);
    expect(io.stderr.filter((l) => l.includes('still running')).length).toBeGreaterThan(0);
  });
});

describe('the schema bounds the work of a world (docs/limits.md)', () => {
  function schemaIssue(input: object): { code: string; field: string } {
    try {
      scenarioFromObject({ name: 'big', ...input });
    } catch (e) {
      if (e instanceof ScenarioError) return { code: e.code, field: e.field };
      throw e;
    }
    return { code: 'none', field: '' };
  }

  it("the old maximums (users 1000, tokensPerUser 10000, requests 100000) are refused, naming the field", () => {
    expect(schemaIssue({ world: { users: 1000, tokensPerUser: 10_000 } })).toEqual({ code: 'schema', field: 'world.tokensPerUser' });
    expect(schemaIssue({ world: { requests: 100_000 } })).toEqual({ code: 'schema', field: 'world.requests' });
    expect(schemaIssue({ world: { chats: 10_000, messagesPerChat: 500, excludedChats: 0 } })).toEqual({ code: 'schema', field: 'world.messagesPerChat' });
  });

  it('token batches: min(active users, requests) × tokensPerUser ≤ tokenBatchesMax', () => {
    expect(schemaIssue({ world: { users: 4, optedOutUsers: 1, requests: 300, tokensPerUser: 100 } })).toEqual({ code: 'none', field: '' });
    expect(schemaIssue({ world: { users: 5, optedOutUsers: 1, requests: 300, tokensPerUser: 100 } })).toEqual({ code: 'schema', field: 'world.tokensPerUser' });
    // Few requests bound the batches too: 1000 users, 2 requests, 150 tokens each.
    expect(schemaIssue({ world: { users: 1000, optedOutUsers: 0, requests: 2, tokensPerUser: 150 } })).toEqual({ code: 'none', field: '' });
  });

  it('the measured largest worlds are valid scenarios', () => {
    for (const world of [
      { users: 1, optedOutUsers: 0, tokensPerUser: 299, requests: 300, chats: 1000, messagesPerChat: 50, nodes: 64, witnesses: 32, witnessQuorum: 32 },
      { users: 1000, optedOutUsers: 0, tokensPerUser: 1, requests: 300, chats: 10_000, messagesPerChat: 5, nodes: 64, witnesses: 32, witnessQuorum: 32 },
    ]) {
      expect(schemaIssue({ world })).toEqual({ code: 'none', field: '' });
    }
  });
});
