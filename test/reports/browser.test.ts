/**
 * The reports in a real browser: Debian's Chromium driven by playwright-core opens the
 * `index.html` of a real run, a campaign, a threat matrix and a bench from `file://` and checks
 * that every mermaid diagram rendered to an SVG (no mermaid error element, no console error, no
 * network request), that mermaid's own parser accepts every diagram source, and that the matrix
 * grid has its cells in their colours. A screenshot of each page is saved in its results folder
 * (and copied to pph-results/screenshots/).
 *
 * Without /usr/bin/chromium (or $PPH_CHROMIUM) the test skips with a notice; REQUIRE_BROWSER=1
 * (set by .ci/run) makes a missing browser a failure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { runCli } from '../../cli/main.js';
import { memoryIo } from '../../cli/io.js';
import { writeReports } from '../../reports/index.js';
import { CELL_COLOURS } from '../../reports/html.js';
import { cellStatus } from '../../reports/html-matrix.js';
import { sequenceDiagram } from '../../reports/sequence-diagram.js';
import { runDetailed } from '../../sim/runner.js';
import { INVARIANT_IDS } from '../../model/invariant-ids.js';
import { makeBenchFile, makeCampaignFolder, makeMatrixFolder, makeMetadataFile, reportWorld, tempDir, traceWithAdversary } from './fixtures.js';

const CHROMIUM = process.env.PPH_CHROMIUM ?? '/usr/bin/chromium';
const REQUIRED = process.env.REQUIRE_BROWSER === '1';
const AVAILABLE = existsSync(CHROMIUM);
const SCREENSHOTS = resolve(import.meta.dirname, '../../pph-results/screenshots');

if (!AVAILABLE) {
  const msg = `browser test: ${CHROMIUM} not found`;
  if (REQUIRED) console.error(`${msg}, and REQUIRE_BROWSER=1: failing`);
  else console.warn(`\n[SKIPPED] ${msg}: the HTML reports were not checked in a browser. Install it with \`apt-get install -y chromium\` (set REQUIRE_BROWSER=1 to make this a failure).\n`);
}

const TINY = `name: tiny-browser
world: { users: 1, chats: 2, excludedChats: 1, optedOutUsers: 0, messagesPerChat: 3, nodes: 2, requests: 3, tokensPerUser: 3, witnesses: 1, witnessQuorum: 1 }
network: { loss: 0.05 }
`;

interface Rendered {
  status: string | null;
  diagrams: { id: string; kind: string; svgs: number; errors: number; width: number; height: number; text: string }[];
  listed: { id: string; source: string }[];
}

interface Opened {
  page: Page;
  rendered: Rendered;
  consoleErrors: string[];
  requests: string[];
}

describe.skipIf(!AVAILABLE && !REQUIRED)('reports in Chromium (file://, offline)', () => {
  let browser: Browser;
  const base = tempDir('browser');

  beforeAll(async () => {
    if (!AVAILABLE) throw new Error(`REQUIRE_BROWSER=1 but no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  async function open(dir: string, name: string): Promise<Opened> {
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(join(dir, 'index.html')).href);
    await page.waitForFunction(() => document.documentElement.getAttribute('data-mermaid') !== 'pending', null, { timeout: 60_000 });
    const rendered: Rendered = await page.evaluate(() => ({
      status: document.documentElement.getAttribute('data-mermaid'),
      listed: JSON.parse(document.getElementById('pph-diagrams')!.textContent!),
      diagrams: Array.from(document.querySelectorAll('pre.mermaid')).map((pre) => {
        const svg = pre.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return {
          id: pre.getAttribute('data-diagram')!,
          kind: pre.closest('figure')!.className,
          svgs: pre.querySelectorAll(':scope > svg').length,
          errors: pre.querySelectorAll('[aria-roledescription="error"], .error-icon, .error-text').length,
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          text: svg?.textContent ?? '',
        };
      }),
    }));
    await page.screenshot({ path: join(dir, 'screenshot.png') });
    mkdirSync(SCREENSHOTS, { recursive: true });
    copyFileSync(join(dir, 'screenshot.png'), join(SCREENSHOTS, `${name}.png`));
    return { page, rendered, consoleErrors, requests };
  }

  /** Every diagram is one SVG with a size and no error; no console error; only files beside the page were loaded. */
  function expectRendered(o: Opened, dir: string): void {
    expect(o.rendered.status).toBe('done');
    expect(o.rendered.diagrams.map((d) => d.id)).toEqual(o.rendered.listed.map((d) => d.id));
    expect(o.rendered.diagrams.length).toBeGreaterThan(0);
    for (const d of o.rendered.diagrams) {
      expect(d.svgs, d.id).toBe(1);
      expect(d.errors, d.id).toBe(0);
      expect(d.width, d.id).toBeGreaterThan(50);
      expect(d.height, d.id).toBeGreaterThan(50);
      expect(d.text, d.id).not.toMatch(/Syntax error/i);
    }
    expect(o.consoleErrors).toEqual([]);
    const folder = pathToFileURL(dir).href;
    for (const url of o.requests) expect(url.startsWith(`${folder}/`) || url.startsWith('data:'), url).toBe(true);
    const png = readFileSync(join(dir, 'screenshot.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  }

  /** mermaid.parse, in the page, of each source: null when it parses, the error text otherwise. */
  async function parseAll(page: Page, sources: string[]): Promise<(string | null)[]> {
    return page.evaluate(async (srcs) => {
      const m = (window as unknown as { mermaid: { parse(s: string): Promise<unknown> } }).mermaid;
      const out: (string | null)[] = [];
      for (const s of srcs) {
        try {
          await m.parse(s);
          out.push(null);
        } catch (e) {
          out.push(String((e as Error).message ?? e));
        }
      }
      return out;
    }, sources);
  }

  it('a real run (pph run --out): verdicts, message flow and the state machines render', async () => {
    const file = join(base, 'tiny.yaml');
    writeFileSync(file, TINY);
    const dir = join(base, 'run');
    expect(await runCli(['run', file, '--seed', '2', '--out', dir], memoryIo())).toBeLessThanOrEqual(1);
    const o = await open(dir, 'run');
    expectRendered(o, dir);
    // The flow is drawn in parts (the growing log's refreshes come first); together they carry the request path.
    const flow = o.rendered.diagrams.filter((d) => d.id === 'd-run-flow' || d.id.startsWith('d-run-flow-'));
    expect(flow.length).toBeGreaterThan(0);
    expect(flow[0]!.text).toContain('client-0');
    expect(flow.map((d) => d.text).join('\n')).toContain('ohttp-req');
    expect(o.rendered.diagrams.filter((d) => d.kind.includes('diagram-state'))).toHaveLength(7);
    expect(await o.page.locator('table.verdicts tbody tr').count()).toBe(INVARIANT_IDS.length);
    // The band is the folder's verdict.
    expect(await o.page.locator('header.band').getAttribute('data-status')).toMatch(/^(pass|fail)$/);
    // Mermaid's own parser accepts every source in the page, and the adversary bands too.
    const tampered = traceWithAdversary(runDetailed(reportWorld(), { seed: 1 }).trace);
    // Drawn from a little before the adversary's action (the growing log's refreshes fill the first messages).
    const at = tampered.find((e) => e.party === 'adversary')!.i;
    const adversary = sequenceDiagram(tampered, { maxMessages: 30, startAtEvent: Math.max(0, at - 10) });
    expect(adversary).toContain('p_adversary');
    const parsed = await parseAll(o.page, [...o.rendered.listed.map((d) => d.source), adversary]);
    expect(parsed).toEqual(parsed.map(() => null));
    await o.page.close();
  });

  it('a real matrix: the grid has a cell per matrix cell in its colour; every counterexample and chart renders', async () => {
    const dir = join(base, 'matrix');
    const m = makeMatrixFolder(dir);
    makeMetadataFile(dir);
    await writeReports(dir, { command: ['matrix', '--runs', '1', '--seed', '1'] });
    const o = await open(dir, 'matrix');
    expectRendered(o, dir);
    const cells = await o.page.evaluate(() =>
      Array.from(document.querySelectorAll('table.grid td.cell')).map((td) => ({
        cls: td.className,
        expected: td.getAttribute('data-expected'),
        observed: td.getAttribute('data-observed'),
        colour: getComputedStyle(td).backgroundColor,
        href: td.querySelector('a')?.getAttribute('href') ?? null,
      })),
    );
    expect(cells).toHaveLength(m.cells.length);
    const seen = new Set<string>();
    for (const c of cells) {
      const status = cellStatus({ expected: c.expected as 'holds', observed: c.observed as 'holds' });
      seen.add(status);
      expect(c.cls).toBe(`cell cell-${status}`);
      expect(c.colour).toBe(CELL_COLOURS[status]);
      if (c.href) expect(await o.page.locator(c.href).count(), c.href).toBe(1);
    }
    expect([...seen].sort()).toEqual(['held', 'unexpected', 'violated']);
    expect(cells.filter((c) => c.href).length).toBe(m.cells.filter((c) => c.replay).length);
    expect(o.rendered.diagrams.filter((d) => d.id.startsWith('d-cx-')).length).toBeGreaterThan(0);
    expect(o.rendered.diagrams.map((d) => d.id)).toContain('d-metadata-accuracy');
    const legend = o.rendered.diagrams.find((d) => d.id === 'd-metadata-accuracy')!.text;
    expect(legend).toContain('padding+batching');
    const parsed = await parseAll(o.page, o.rendered.listed.map((d) => d.source));
    expect(parsed).toEqual(parsed.map(() => null));
    await o.page.close();
  });

  it('a campaign and a bench: the charts render as SVG', async () => {
    const c = join(base, 'campaign');
    makeCampaignFolder(c);
    await writeReports(c, { command: ['campaign'] });
    const oc = await open(c, 'campaign');
    expectRendered(oc, c);
    expect(oc.rendered.diagrams.find((d) => d.id === 'd-campaign-violations')!.text).toContain('liveness');
    await oc.page.close();
    const b = join(base, 'bench');
    makeBenchFile(b);
    await writeReports(b, {});
    const ob = await open(b, 'bench');
    expectRendered(ob, b);
    expect(ob.rendered.diagrams.find((d) => d.id === 'd-bench-bars')!.text).toContain('goal 1.5×');
    await ob.page.close();
  });

  it('a metadata folder (pph metadata): the band, the accuracy-vs-latency SVG with a line per defence, the mermaid charts', async () => {
    const dir = join(base, 'metadata');
    mkdirSync(dir, { recursive: true });
    const m = makeMetadataFile(dir);
    await writeReports(dir, { command: ['metadata'] });
    const o = await open(dir, 'metadata');
    expectRendered(o, dir);
    expect(await o.page.locator('header.band').getAttribute('data-status')).toBe('pass');
    const svg = o.page.locator('#metadata-tradeoff svg');
    expect(await svg.count()).toBe(1);
    expect(await svg.locator('g.curve polyline').count()).toBe(m.curves.filter((c) => c.points.length > 0).length);
    const box = await svg.boundingBox();
    expect(box!.width).toBeGreaterThan(600);
    expect(o.rendered.diagrams.some((d) => d.id.startsWith('d-metadata'))).toBe(true);
    await o.page.close();
  });

  it('counterexample diagrams draw only the lifelines they involve, at a readable size', async () => {
    const dir = join(base, 'matrix');
    const o = await open(dir, 'matrix-cx');
    const sizes = await o.page.evaluate(() =>
      Array.from(document.querySelectorAll('figure.diagram-sequence pre.mermaid')).map((pre) => ({
        // Rendered at natural size (useMaxWidth false): the message text keeps its font size on screen.
        fontPx: Math.max(0, ...Array.from(pre.querySelectorAll('svg text.messageText')).map((t) => t.getBoundingClientRect().height)),
      })),
    );
    expect(sizes.length).toBeGreaterThan(0);
    expect(sizes.some((s) => s.fontPx > 0)).toBe(true);
    for (const s of sizes) if (s.fontPx > 0) expect(s.fontPx, 'message text height on screen, px').toBeGreaterThanOrEqual(11);
    const cx = o.rendered.listed.filter((d) => d.id.startsWith('d-cx-'));
    expect(cx.length).toBeGreaterThan(0);
    // The fixture's world has 13 parties (client, relay, gateway, 2 × node, host and enclave, issuer, log, witnesses, adversary).
    for (const d of cx) expect((d.source.match(/^ {2}participant /gm) ?? []).length, d.id).toBeLessThanOrEqual(10);
    await o.page.close();
  });

  it('the checks are not vacuous: a broken diagram shows an error element, a console error, and fails mermaid.parse', async () => {
    const dir = join(base, 'run');
    const html = readFileSync(join(dir, 'index.html'), 'utf8').replace(/(<pre class="mermaid" data-diagram="d-run-flow">)sequenceDiagram/, '$1sequenceDiagram\n  a->>: b: c\n  end');
    writeFileSync(join(dir, 'broken.html'), html);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(pathToFileURL(join(dir, 'broken.html')).href);
    await page.waitForFunction(() => document.documentElement.getAttribute('data-mermaid') !== 'pending', null, { timeout: 60_000 });
    expect(await page.evaluate(() => document.documentElement.getAttribute('data-mermaid'))).toBe('error');
    expect(await page.locator('pre[data-diagram="d-run-flow"] [aria-roledescription="error"]').count()).toBe(1);
    expect(errors.length).toBeGreaterThan(0);
    expect((await parseAll(page, ['sequenceDiagram\n  a->>: b: c\n  end']))[0]).toBeTruthy();
    await page.close();
  });
});
