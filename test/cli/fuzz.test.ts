/**
 * `pph fuzz`: a target per parser (issue 14 "Done when"), figures per target, `all`, `--json`.
 * Short runs only; the long run's figures are in docs/fuzzing.md.
 */
import { describe, expect, it } from 'vitest';
import { command, fuzzTarget, TARGETS } from '../../cli/commands/fuzz.js';
import { PROTOCOL_FUZZ_TARGETS } from '../../cli/commands/fuzz-targets.js';
import { memoryIo } from '../../cli/io.js';
import { runCommand } from '../helpers/cli.js';

describe('pph fuzz', () => {
  it('has a target for each parser named in issue 14', () => {
    for (const name of ['checkpoint', 'scenario-yaml', 'cosigned-checkpoint', 'token-request', 'token-response', 'auth-header', 'merkle-inclusion', 'merkle-consistency', 'bhttp-request', 'ohttp-key-config-list', 'ohttp-response', 'vkey', 'signed-note']) {
      expect(Object.keys(TARGETS)).toContain(name);
    }
  });

  it("each new target's sample is accepted by its parser, so mutations start from a valid message", () => {
    for (const [name, t] of Object.entries(PROTOCOL_FUZZ_TARGETS)) {
      expect(() => t.parse(t.sample()), name).not.toThrow();
    }
  });

  it('counts inputs, typed errors and accepted inputs; they add up; no crash', () => {
    const r = fuzzTarget('checkpoint', 200, 7);
    expect(r.inputs).toBe(200);
    expect(r.typedErrors + r.accepted).toBe(r.inputs);
    expect(r.typedErrors).toBeGreaterThan(0);
    expect(r.crashes).toBe(0);
  });

  it('a parser that throws a plain Error is a crash: exit 1 with the counterexample', async () => {
    TARGETS['test-crashing'] = { what: 'test', parse: (b) => { if (b.length > 3) throw new Error('boom'); }, sample: () => new Uint8Array(8) };
    try {
      const r = fuzzTarget('test-crashing', 100, 1);
      expect(r.crashes).toBe(1);
      expect(r.counterexample).toBeDefined();
      expect(r.inputs).toBeLessThanOrEqual(100);
      const io = memoryIo();
      expect(await command.run(['test-crashing', '--runs', '50'], io)).toBe(1);
      expect(io.stdout.some((l) => l.includes('replay: pph fuzz test-crashing'))).toBe(true);
    } finally {
      delete TARGETS['test-crashing'];
    }
  });

  it('--json prints one object per target; all runs every target', async () => {
    const io = memoryIo();
    expect(await command.run(['all', '--runs', '5', '--json'], io)).toBe(0);
    const lines = io.stdout.map((l) => JSON.parse(l) as { target: string; inputs: number; typedErrors: number; accepted: number; crashes: number });
    expect(lines.map((l) => l.target)).toEqual(Object.keys(TARGETS).sort());
    for (const l of lines) expect(l).toMatchObject({ inputs: 5, crashes: 0 });
  });

  it('--time-limit stops a run early and the figures count what ran', () => {
    const r = fuzzTarget('checkpoint', 1e9, 3, 1);
    expect(r.interrupted).toBe(true);
    expect(r.inputs).toBeGreaterThan(0);
    expect(r.typedErrors + r.accepted).toBe(r.inputs);
  });

  it('an unknown parser is a usage error (exit 2)', async () => {
    expect((await runCommand(command, ['no-such-parser'])).code).toBe(2);
    expect((await runCommand(command, [])).code).toBe(2);
  });
});
