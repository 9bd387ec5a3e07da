/**
 * `index.html`: one page per results folder that opens offline from `file://`. Everything is in
 * the page except mermaid itself, loaded from the `mermaid.min.js` copied beside it; diagrams are
 * mermaid source in the page, rendered to SVG by the browser. The reader sees, top to bottom: the
 * outcome band, the verdict table (or the threat-matrix grid), the pictures, the state machines
 * generated from the model, and the manifest.
 */
import type { ReportInput } from './report-input.js';
import type { Manifest } from './schemas.js';
import { modelStateDiagrams } from './state-diagram.js';
import { Diagrams, cmd, esc, jsonScript, type Diagram } from './html-kit.js';
import { runFacts, runSections, runVerdictTable } from './html-run.js';
import { campaignFacts, campaignSections, campaignVerdictTable } from './html-campaign.js';
import { matrixFacts, matrixSections } from './html-matrix.js';
import { benchSections, metadataSections } from './html-bench.js';
import { exploreFacts, exploreSections } from './html-explore.js';
import { reportOutcome } from './outcome.js';
import { MERMAID_FILE } from './mermaid-asset.js';

export interface HtmlOptions {
  manifest: Manifest | null;
  /** How the folder is named in reproduce lines. */
  dirLabel: string;
  /** Shown in the footer. */
  mermaidVersion?: string;
}

export interface HtmlPage {
  html: string;
  diagrams: Diagram[];
}

/** Colours of the matrix grid; the browser test checks the rendered cells against these. */
export const CELL_COLOURS = { held: 'rgb(200, 230, 201)', violated: 'rgb(255, 224, 130)', unexpected: 'rgb(239, 154, 154)', none: 'rgb(238, 238, 238)' } as const;

const CSS = `
:root { --ok: #2e7d32; --fail: #c62828; --muted: #666; --line: #ddd; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; margin: 0; color: #1b1b1b; background: #fafafa; }
main { max-width: 1280px; margin: 0 auto; padding: 0 24px 48px; }
header.band { padding: 18px 24px; color: #fff; }
header.band.pass { background: var(--ok); } header.band.fail { background: var(--fail); } header.band.interrupted { background: #ef6c00; } header.band.error { background: #6a1b9a; }
header.band p.fact { font-size: 14px; opacity: 0.92; }
header.band h1 { margin: 0 0 4px; font-size: 22px; } header.band p { margin: 2px 0; font-size: 17px; }
.facts { margin: 14px 0; color: #333; } .facts code.cmd { font-size: 13px; }
nav.toc { margin: 8px 0 4px; font-size: 14px; } nav.toc a { margin-right: 14px; }
h2 { margin-top: 36px; border-bottom: 2px solid var(--line); padding-bottom: 4px; } h3 { margin-top: 24px; }
table.data { border-collapse: collapse; margin: 8px 0 16px; background: #fff; }
table.data th, table.data td { border: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
table.data th { background: #f0f0f0; }
table.data tr.ok td:first-child { border-left: 4px solid var(--ok); } table.data tr.fail td { background: #fdecea; } table.data tr.fail td:first-child { border-left: 4px solid var(--fail); }
.inv { font-weight: 600; } .muted { color: var(--muted); } .warn { color: var(--fail); font-weight: 600; }
code { font: 13px ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace; background: #eee; padding: 1px 4px; border-radius: 3px; }
code.cmd { user-select: all; }
figure.diagram { margin: 12px 0 24px; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px; }
figure.diagram figcaption { color: var(--muted); font-size: 13px; margin-top: 6px; }
.scroll { overflow-x: auto; }
pre.mermaid { margin: 0; background: none; } pre.event { margin: 2px 0 0; font-size: 12px; white-space: pre-wrap; color: #444; }
ol.proof li { margin-bottom: 6px; } .ev { font-weight: 600; }
section.counterexample { border-left: 4px solid #f9a825; padding-left: 14px; margin: 18px 0 30px; }
table.grid { border-collapse: collapse; background: #fff; margin: 8px 0 16px; }
table.grid th, table.grid td { border: 1px solid #fff; }
table.grid th.adv { text-align: right; padding: 4px 10px; background: #f0f0f0; white-space: nowrap; }
table.grid th.inv-head { height: 150px; vertical-align: bottom; padding: 4px 2px; background: #f0f0f0; }
table.grid th.inv-head span { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; }
table.grid td { width: 40px; height: 34px; text-align: center; font-weight: 700; }
table.grid td a { color: inherit; text-decoration: none; display: block; }
.cell-held { background: ${CELL_COLOURS.held}; } .cell-violated { background: ${CELL_COLOURS.violated}; }
.cell-unexpected { background: ${CELL_COLOURS.unexpected}; color: #7f0000; } .cell-none { background: ${CELL_COLOURS.none}; color: #999; }
.swatch { display: inline-block; min-width: 26px; text-align: center; margin: 0 4px 0 14px; padding: 1px 4px; font-weight: 700; }
.legend { font-size: 14px; }
footer { margin-top: 40px; font-size: 13px; color: var(--muted); }
#mermaid-missing { background: #fff3cd; padding: 10px 14px; border: 1px solid #e0c060; }
`;

/*
 * Runs in the page: renders every `pre.mermaid`, then marks <html data-mermaid="done|error|missing">
 * so a reader (and the browser test) can tell the diagrams finished.
 */
const SCRIPT = `
(function () {
  var root = document.documentElement;
  if (typeof mermaid === 'undefined') {
    root.setAttribute('data-mermaid', 'missing');
    document.getElementById('mermaid-missing').hidden = false;
    return;
  }
  mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'default', maxTextSize: 500000, maxEdges: 2000,
    // Natural size (no shrinking to the page width): labels stay readable at 100 %, wide diagrams scroll.
    sequence: { showSequenceNumbers: false, wrap: false, useMaxWidth: false, actorMargin: 40, messageFontSize: 14, noteFontSize: 13, actorFontSize: 14 },
    flowchart: { htmlLabels: false } });
  mermaid.run({ querySelector: 'pre.mermaid' }).then(
    function () { root.setAttribute('data-mermaid', 'done'); },
    function (e) { root.setAttribute('data-mermaid', 'error'); console.error('mermaid: ' + (e && e.message ? e.message : e)); });
})();
`;

/** The title band: the verdict's status, headline, reasons and facts (reports/verdict.ts). */
function bandHtml(o: ReturnType<typeof reportOutcome>): string {
  const v = o.verdict;
  const sign = v.status === 'pass' ? '✓' : v.status === 'interrupted' ? '⏸' : '✗';
  const lines = [`<p class="headline" data-status="${v.status}">${sign} ${esc(v.headline)}</p>`, ...v.reasons.map((r) => `<p class="reason">✗ ${esc(r)}</p>`), ...v.facts.map((f) => `<p class="fact">· ${esc(f)}</p>`)];
  return `<header class="band ${v.status}" data-status="${v.status}" data-failed="${v.counts.failed}" data-exit="${v.exitCode}"><h1>${esc(o.title)}</h1>${lines.join('')}</header>`;
}

function machinesSection(d: Diagrams): string {
  const out = ['<section id="machines"><h2>State machines of the model</h2>', '<p>Generated from the XState definitions in <code>model/machines/*.ts</code> each time the report is written, so they show the code that ran.</p>'];
  for (const { name, source } of modelStateDiagrams()) {
    out.push(`<h3>${esc(name)}</h3>`, d.figure('state', `machine-${name}`, `${name} machine`, source, `model/machines/${esc(name)}.ts`));
  }
  out.push('</section>');
  return out.join('\n');
}

function manifestFooter(m: Manifest | null, mermaidVersion: string | undefined): string {
  const parts: string[] = [];
  if (m) {
    parts.push(
      `pph ${esc(m.pphVersion)}`,
      `commit ${esc(m.gitCommit ? m.gitCommit.slice(0, 12) : 'unknown')}${m.gitDirty ? ' (uncommitted changes)' : ''}`,
      `node ${esc(m.node)}`,
      `lockfile ${esc(m.lockfileSha256 ? m.lockfileSha256.slice(0, 16) : 'none')}`,
    );
    if (m.wallMs !== null) parts.push(`wall ${(m.wallMs / 1000).toFixed(1)} s`);
    if (m.startedAt) parts.push(`started ${esc(m.startedAt)}`);
  }
  if (mermaidVersion) parts.push(`diagrams by mermaid ${esc(mermaidVersion)}`);
  const command = m?.command ? `<br>command: ${cmd(`pph ${m.command.join(' ')}`)} · reproduce and compare: ${cmd('pph reproduce manifest.json')}` : '';
  const files = ['summary.md', 'junit.xml', 'manifest.json'].map((f) => `<a href="${f}">${f}</a>`).join(' · ');
  return `<footer id="manifest"><h2>Manifest</h2><p>${parts.join(' · ')}${command}</p><p>files: ${files}</p></footer>`;
}

/**
 * The HTML page of a results folder and the diagrams in it.
 *
 * @example
 * const { html } = reportHtml(loadReportInput('pph-results/run-default-seed-1'), { manifest: null, dirLabel: 'pph-results/run-default-seed-1' });
 */
export function reportHtml(input: ReportInput, opts: HtmlOptions): HtmlPage {
  const d = new Diagrams();
  const outcome = reportOutcome(input, opts.dirLabel);
  const facts: string[] = [];
  const body: string[] = [];
  const toc: [string, string][] = [];
  if (input.matrix) {
    facts.push(matrixFacts(input.matrix));
    body.push(matrixSections(d, input.matrix, input.matrixReplays ?? [], opts.dirLabel));
    toc.push(['#matrix', 'threat matrix']);
    if (input.matrix.mutants.length) toc.push(['#mutants', 'mutants']);
  }
  if (input.campaign) {
    facts.push(campaignFacts(input.campaign));
    body.push('<section id="verdicts-campaign"><h2>Invariants over the campaign</h2>', campaignVerdictTable(input.campaign), '</section>', campaignSections(d, input.campaign, opts.dirLabel));
    toc.push(['#verdicts-campaign', 'invariants'], ['#chart-campaign', 'chart'], ['#marks', 'coverage marks']);
  }
  if (input.run) {
    facts.push(runFacts(input.run));
    body.push('<section id="verdicts"><h2>Verdicts</h2>', runVerdictTable(input.run), '</section>', runSections(d, input.run));
    toc.push(['#verdicts', 'verdicts'], ['#flow', 'message flow'], ['#violations', 'violated invariants']);
  }
  if (input.bench) {
    body.push(benchSections(d, input.bench));
    toc.push(['#bench', 'bench']);
  }
  if (input.metadata) {
    body.push(metadataSections(d, input.metadata));
    toc.push(['#metadata', 'metadata correlation']);
  }
  if (input.explore) {
    facts.push(exploreFacts(input.explore));
    body.push(exploreSections(d, input.explore, opts.dirLabel));
    toc.push(['#explore', 'exploration']);
    if (input.explore.file.modelCoverage || input.explore.file.coverage) toc.push(['#coverage-explore', 'coverage']);
  }
  if (body.some((s) => s.includes('id="counterexamples"'))) toc.push(['#counterexamples', 'counterexamples']);
  const present = (href: string) => body.some((s) => s.includes(`id="${href.slice(1)}"`));
  if (input.run || input.campaign || input.matrix) {
    body.push(machinesSection(d));
    toc.push(['#machines', 'state machines']);
  }
  const links = toc.filter(([href]) => present(href));
  links.push(['#manifest', 'manifest']);
  const html = [
    '<!doctype html>',
    '<html lang="en" data-mermaid="pending">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(outcome.title)}</title>`,
    '<link rel="icon" href="data:,">',
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    bandHtml(outcome),
    '<main>',
    `<div id="mermaid-missing" hidden>${esc(MERMAID_FILE)} did not load: keep it beside index.html (run <code>pph report</code> on this folder to write it again). The diagrams below are shown as their mermaid source.</div>`,
    `<div class="facts">${facts.join('<br>')}</div>`,
    `<nav class="toc">${links.map(([href, label]) => `<a href="${href}">${esc(label)}</a>`).join('')}</nav>`,
    ...body,
    manifestFooter(opts.manifest, opts.mermaidVersion),
    '</main>',
    jsonScript('pph-diagrams', d.all),
    `<script src="${MERMAID_FILE}"></script>`,
    `<script>${SCRIPT}</script>`,
    '</body>',
    '</html>',
  ].join('\n');
  return { html: html + '\n', diagrams: d.all };
}
