/**
 * `pph report <results-dir>`: writes the reports of a results folder again (index.html with its
 * diagrams, summary.md, junit.xml, manifest.json) from result.json / campaign.json / matrix.json /
 * bench.json, without re-running anything. Exit 0 written, 2 bad folder (the message names the
 * file and the field).
 */
import { relative, resolve } from 'node:path';
import { writeReports } from '../../reports/index.js';
import { reportOutcome } from '../../reports/outcome.js';
import { EXIT_OK, parseFlags, UsageError, type Command } from '../io.js';

const USAGE = [
  'pph report <results-dir>',
  '',
  '  results-dir   a folder written by pph run --out, start, campaign, matrix or bench',
  '',
  'writes index.html (+ mermaid.min.js beside it), summary.md, junit.xml and manifest.json;',
  'an existing manifest.json keeps its command line and versions',
  'example: pph report pph-results/run-default-seed-1',
  'exit: 0 reports written, 2 the folder holds no results or a file is malformed',
].join('\n');

export const command: Command = {
  name: 'report',
  summary: 'write the HTML, Markdown and JUnit reports of a results folder again, without re-running',
  usage: USAGE,
  async run(argv, io) {
    const flags = parseFlags(argv, {});
    if (flags.positionals.length !== 1) throw new UsageError(`expected one results folder, got ${flags.positionals.length}`);
    const dir = resolve(io.cwd, flags.positionals[0]!);
    const label = relative(io.cwd, dir) || '.';
    const written = await writeReports(dir, { dirLabel: label });
    const outcome = reportOutcome(written.input);
    io.out(outcome.title);
    for (const line of outcome.lines) io.out(`  ${outcome.ok ? 'ok  ' : 'FAIL'} ${line}`);
    io.out(`reports: ${label}/{index.html,summary.md,junit.xml,manifest.json}`);
    io.out(`report: ${relative(io.cwd, written.index)}`);
    return EXIT_OK;
  },
};
