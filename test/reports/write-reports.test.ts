import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeReports } from '../../reports/index.js';
import { mermaidBundlePath } from '../../reports/mermaid-asset.js';
import { loadReportInput } from '../../reports/report-input.js';
import { ManifestSchema, ReportInputError, checkValue } from '../../reports/schemas.js';
import { MODEL_MACHINES } from '../../reports/state-diagram.js';
import { once } from '../invariants/small-world.js';
import { makeBenchFile, makeCampaignFolder, makeMatrixFolder, makeMetadataFile, makeRunFolder, tempDir } from './fixtures.js';

const base = once(() => tempDir('write'));
const runDir = once(() => {
  const dir = join(base(), 'run');
  makeRunFolder(dir, { bugs: { relayForwardsClientAddress: true } });
  return dir;
});
const matrixDir = once(() => {
  const dir = join(base(), 'matrix');
  makeMatrixFolder(dir);
  makeMetadataFile(dir);
  return dir;
});

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** The diagrams a page lists in its JSON block, and the `pre.mermaid` elements it holds. */
function pageDiagrams(html: string): { listed: { id: string; kind: string; source: string }[]; pres: string[] } {
  const json = /<script type="application\/json" id="pph-diagrams">(.*?)<\/script>/s.exec(html)![1]!;
  const pres = [...html.matchAll(/<pre class="mermaid" data-diagram="([^"]+)">/g)].map((m) => m[1]!);
  return { listed: JSON.parse(json), pres };
}

/** Every URL the page loads or links to: only files beside it or anchors, nothing on a network. */
function urls(html: string): string[] {
  return [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
}

describe('writeReports', () => {
  it('a run folder: index.html, summary.md, junit.xml, manifest.json and mermaid.min.js beside them', async () => {
    const dir = runDir();
    const written = await writeReports(dir, { command: ['run', 'tiny.yaml', '--seed', '1'], wallMs: 1234, startedAt: '2025-01-01T00:00:00.000Z' });
    expect(written.index).toBe(join(dir, 'index.html'));
    for (const f of ['index.html', 'summary.md', 'junit.xml', 'manifest.json', 'mermaid.min.js']) expect(existsSync(join(dir, f)), f).toBe(true);
    expect(sha(join(dir, 'mermaid.min.js'))).toBe(sha(mermaidBundlePath()));
    const html = readFileSync(written.index, 'utf8');
    for (const u of urls(html)) expect(u, u).toMatch(/^(#[\w-]+|[\w.-]+\.(js|json|jsonl|md|xml)|data:,)$/);
    expect(html).toContain('<script src="mermaid.min.js"></script>');
    const { listed, pres } = pageDiagrams(html);
    expect(pres).toEqual(listed.map((d) => d.id));
    expect(listed.filter((d) => d.kind === 'state').map((d) => d.id)).toEqual(MODEL_MACHINES.map((m) => `d-machine-${m.name}`));
    expect(listed.find((d) => d.id === 'd-run-flow')!.source.startsWith('sequenceDiagram\n')).toBe(true);
    // The violated invariant gets its own diagram with the proof event in it.
    const proof = loadReportInput(dir).run!.result.verdicts.unlinkability!.proof;
    const cx = listed.find((d) => d.id === 'd-cx-proof-unlinkability')!;
    expect(cx.source).toContain(`proof event ${proof[0]!.event}`);
    expect(html).toContain('class="band fail"');
  });

  it('manifest.json validates and records versions, lockfile hash, command, scenario, seed, budgets, wall time', async () => {
    const dir = runDir();
    await writeReports(dir, { command: ['run', 'tiny.yaml', '--seed', '1'], wallMs: 1234, startedAt: '2025-01-01T00:00:00.000Z' });
    const m = checkValue(ManifestSchema, JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')), 'manifest.json');
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8'));
    expect(m.pphVersion).toBe(pkg.version);
    expect(m.node).toBe(process.version);
    expect(m.lockfileSha256).toBe(sha(join(import.meta.dirname, '../../package-lock.json')));
    expect(m.gitCommit === null || /^[0-9a-f]{40}$/.test(m.gitCommit)).toBe(true);
    const r = loadReportInput(dir).run!.result;
    expect(m).toMatchObject({ command: ['run', 'tiny.yaml', '--seed', '1'], results: 'run', seeds: [1], wallMs: 1234, startedAt: '2025-01-01T00:00:00.000Z' });
    expect(m.scenarios).toEqual([{ name: r.scenario, ref: 'tiny.yaml', hash: r.scenarioHash }]);
    expect(m.budgets).toEqual({ maxEvents: expect.any(Number), maxTimeMs: expect.any(Number) });
    // Regenerating without a command (pph report) keeps how the results were made.
    await writeReports(dir, {});
    const again = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(again).toEqual(m);
  });

  it('a matrix folder: the grid has a cell per matrix cell, each linking to its counterexample', async () => {
    const dir = matrixDir();
    const { index, input } = await writeReports(dir, { command: ['matrix', '--runs', '1'] });
    const html = readFileSync(index, 'utf8');
    const m = input.matrix!;
    const cells = [...html.matchAll(/<td class="cell cell-(held|violated|unexpected)" data-expected="(\w+)" data-observed="(\w+)"[^>]*>(.*?)<\/td>/g)];
    expect(cells).toHaveLength(m.cells.length);
    for (const [, status, expected, observed] of cells) expect(status).toBe(expected !== observed ? 'unexpected' : observed === 'holds' ? 'held' : 'violated');
    const linked = cells.filter((c) => c[4]!.startsWith('<a href="#cx-'));
    expect(linked).toHaveLength(m.cells.filter((c) => c.replay).length);
    for (const c of linked) expect(html).toContain(`<section class="counterexample" id="${/href="#([^"]+)"/.exec(c[4]!)![1]}">`);
    const { listed } = pageDiagrams(html);
    expect(listed.filter((d) => d.kind === 'chart').map((d) => d.id)).toEqual(['d-metadata-accuracy', 'd-metadata-latency']);
    // One counterexample section per replay file; a long one has several diagrams (its parts).
    const replays = new Set([...m.cells, ...m.mutants].map((c) => c.replay).filter(Boolean)).size;
    expect(html.match(/<section class="counterexample" id=/g)).toHaveLength(replays);
    expect(listed.filter((d) => d.id.startsWith('d-cx-')).length).toBeGreaterThanOrEqual(replays);
    expect(html).toContain('<section id="mutants">');
    const manifest = checkValue(ManifestSchema, JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')), 'manifest.json');
    expect(manifest.results).toBe('matrix');
    expect(manifest.budgets).toEqual({ runsPerCell: 1 });
    expect(manifest.scenarios.length).toBeGreaterThan(0);
  });

  it('a campaign folder and a bench folder', async () => {
    const c = join(base(), 'campaign');
    makeCampaignFolder(c, 3);
    const { input, index } = await writeReports(c, { command: ['campaign'] });
    const html = readFileSync(index, 'utf8');
    expect(pageDiagrams(html).listed.map((d) => d.id)).toContain('d-campaign-violations');
    for (const r of input.campaign!.campaign.replays) expect(html).toContain(`id="cx-${r.file.replace(/\./g, '-')}"`);
    const b = join(base(), 'bench');
    makeBenchFile(b);
    const bench = await writeReports(b, {});
    const bhtml = readFileSync(bench.index, 'utf8');
    expect(pageDiagrams(bhtml).listed.map((d) => d.id)).toEqual(['d-bench-bars']);
    expect(bhtml).toContain('Test CPU &lt;2 cores&gt; &amp; &quot;quotes&quot;');
    expect(bench.manifestValue.results).toBe('bench');
  });

  it('a diagram source cannot close the JSON block or inject markup', async () => {
    const dir = join(base(), 'inject');
    makeRunFolder(dir);
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    result.verdicts.consent = { holds: false, expected: 'holds', ok: false, proof: [{ event: 1, why: '</script><script>alert(1)</script>' }] };
    writeFileSync(join(dir, 'result.json'), JSON.stringify(result));
    const html = readFileSync((await writeReports(dir, {})).index, 'utf8');
    expect(html.match(/<script/g)).toHaveLength(3); // the JSON block, mermaid.min.js, the page script
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('a bad folder: ReportInputError naming the file and the field', async () => {
    const dir = join(base(), 'bad');
    makeRunFolder(dir);
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    result.verdicts.consent.proof = [{ event: -1, why: 'x' }];
    writeFileSync(join(dir, 'result.json'), JSON.stringify(result));
    await expect(writeReports(dir, {})).rejects.toThrow(ReportInputError);
    await expect(writeReports(dir, {})).rejects.toMatchObject({ code: 'schema', message: expect.stringContaining('result.json: verdicts.consent.proof.0.event') });
    writeFileSync(join(dir, 'trace.jsonl'), '{"i":0,"t":0,"kind":"send","party":"a","what":"x"}\n{"i":1,"t":0,"kind":"teleport","party":"a","what":"x"}\n');
    writeFileSync(join(dir, 'result.json'), JSON.stringify({ ...result, verdicts: {} }));
    await expect(writeReports(dir, {})).rejects.toMatchObject({ code: 'schema', message: expect.stringContaining('trace.jsonl:2: kind') });
    await expect(writeReports(join(base(), 'nothing-here'), {})).rejects.toMatchObject({ code: 'io' });
    await expect(writeReports(tempDir('empty'), {})).rejects.toMatchObject({ code: 'empty' });
  });
});
