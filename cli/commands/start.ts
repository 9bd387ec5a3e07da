/**
 * `pph start` (what `npm start` runs): the default scenario with its seed, results written under
 * pph-results/ (git-ignored), and where they are printed.
 */
import { join, relative, resolve } from 'node:path';
import { runText } from '../../reports/run-text.js';
import { EXIT_FAILED, EXIT_OK, parseFlags, type Command } from '../io.js';
import { loadAndRun, writeRunFolder } from './run.js';

export const command: Command = {
  name: 'start',
  summary: 'the main job on its built-in default: run the default scenario, write pph-results/',
  usage: 'pph start [--out DIR]\n\n  runs scenarios/default.yaml and writes its results under pph-results/ (or DIR)',
  async run(argv, io) {
    const flags = parseFlags(argv, { out: { type: 'string' } });
    const run = loadAndRun('default', undefined, io);
    const dir = resolve(io.cwd, flags.str('out') ?? join('pph-results', `run-${run.scenario.name}-seed-${run.detail.result.seed}`));
    for (const line of runText(run.detail.result, run.scenario, run.detail.trace, { scenarioRef: run.scenarioRef, color: io.isTTY && !io.env.NO_COLOR })) io.out(line);
    writeRunFolder(dir, run);
    io.out(`results written to ${relative(io.cwd, dir)}/ (result.json, trace.jsonl, summary.md)`);
    return run.detail.result.ok ? EXIT_OK : EXIT_FAILED;
  },
};
