/**
 * `pph report <results-dir>`: writes the reports of a results folder again (index.html with its
 * diagrams, summary.md, junit.xml, manifest.json) from result.json / campaign.json / matrix.json /
 * bench.json / metadata.json, without re-running anything. Exits with the folder's verdict
 * (reports/verdict.ts: 0 pass, 1 fail, 130 interrupted), 2 bad folder (the message names the file
 * and the field).
 */
import { relative, resolve } from 'node:path';
import { writeReports } from '../../reports/index.js';
import { verdictJson } from '../../reports/verdict.js';
import { parseFlags, UsageError, type Command } from '../io.js';

const USAGE = [
  'pph report <results-dir> [--json]',
  '',
  '  results-dir   a folder written by pph run --out, start, campaign, matrix or bench',
  '',
  'writes index.html (+ mermaid.min.js beside it), summary.md, junit.xml and manifest.json;',
  'an existing manifest.json keeps its command line and versions',
  'example: pph report pph-results/run-default-seed-1',
  '  --json        print the verdict as JSON',
  'exit: the folder\'s verdict (docs/verdicts.md): 0 pass, 1 fail, 130 interrupted campaign;',
  '      2 the folder holds no results or a file is malformed',
].join('\n');

export const command: Command = {
  name: 'report',
  summary: 'write the HTML, Markdown and JUnit reports of a results folder again, without re-running',
  usage: USAGE,
  async run(argv, io) {
    const flags = parseFlags(argv, { json: { type: 'boolean' } });
    if (flags.positionals.length !== 1) throw new UsageError(`expected one results folder, got ${flags.positionals.length}`);
    const dir = resolve(io.cwd, flags.positionals[0]!);
    const label = relative(io.cwd, dir) || '.';
    const written = await writeReports(dir, { dirLabel: label });
    const verdict = written.verdict;
    if (flags.bool('json')) {
      io.out(JSON.stringify({ schemaVersion: verdict.schemaVersion, kind: 'report', dir: label, index: relative(io.cwd, written.index), ok: verdict.ok, status: verdict.status, verdict: verdictJson(verdict) }));
      return verdict.exitCode;
    }
    io.out(verdict.headline);
    for (const r of verdict.reasons) io.out(`  ${r}`);
    for (const f of verdict.facts) io.out(`  · ${f}`);
    io.out(`reports: ${label}/{index.html,summary.md,junit.xml,manifest.json}`);
    io.out(`report: ${relative(io.cwd, written.index)}`);
    // The folder's verdict, so `pph report merged/` in CI fails like the command that made it.
    return verdict.exitCode;
  },
};
