#!/usr/bin/env node
/**
 * pph: the command line of private-processing-harness. Commands load lazily so that
 * `pph --help` stays fast; each returns its exit code (0 held, 1 failed, 2 bad input).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { didYouMean, nodeIo, UsageError, EXIT_USAGE, type CliIo } from './io.js';
import { PphError } from '../protocol/errors.js';

import { COMMANDS } from './registry.js';

function help(io: CliIo): void {
  io.out('pph: simulation and formal test harness for private AI processing');
  io.out('');
  io.out('usage: pph <command> [options]      pph <command> --help');
  io.out('');
  io.out('commands:');
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  for (const [name, entry] of Object.entries(COMMANDS)) io.out(`  ${name.padEnd(width)}  ${entry.summary}`);
  io.out('');
  io.out('exit codes: 0 every expectation held, 1 one failed, 2 bad input or usage, 130 interrupted');
  io.out('built-in scenarios, adversaries, profiles, invariants: pph list');
  io.out('vectors: $PPH_VECTORS (default ../shared/vectors)');
}

/** The version of every `--json` output's shape (docs/json-output.md). */
export const JSON_SCHEMA_VERSION = 1;

/**
 * Every `--json` line carries `schemaVersion` and `kind` (docs/json-output.md): a command that
 * prints a JSON object without them gets them added in front (`kind` is the command's name), one
 * that sets them (run, campaign, matrix, bench, ...) is left as it is.
 */
function jsonEnvelope(io: CliIo, name: string): CliIo {
  return {
    ...io,
    out: (line) => {
      if (!line.startsWith('{')) return io.out(line);
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        return io.out(line);
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value) || 'schemaVersion' in value) return io.out(line);
      const v = value as Record<string, unknown>;
      io.out(JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, kind: typeof v.kind === 'string' ? v.kind : name, ...v }));
    },
  };
}

export async function runCli(argv: string[], io: CliIo = nodeIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    help(io);
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (name === '--version' || name === '-v') {
    io.out('0.1.0');
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    const hint = didYouMean(name, Object.keys(COMMANDS));
    io.err(`pph: unknown command '${name}'${hint} (see pph --help)`);
    return EXIT_USAGE;
  }
  const { command } = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, rest.includes('--json') ? jsonEnvelope(io, name) : io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`pph ${name}: ${e.message}`);
      io.err(`usage: ${command.usage.split('\n')[0]}`);
      return EXIT_USAGE;
    }
    if (e instanceof PphError) {
      io.err(`pph ${name}: ${e.name} [${e.code}]: ${e.message}`);
      return EXIT_USAGE;
    }
    throw e;
  }
}

const invokedDirectly = (() => {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`pph: internal error: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 70;
    },
  );
}
