/**
 * bench.md: the figures of one `pph bench` run for humans — the machine first, then the goals
 * (met or missed), the hot path against its floor, the peer, the simulator, every suite with its
 * spread, and how each figure was obtained.
 */
import type { BenchFile } from '../reports/schemas.js';

type Fig = { meanUs: number; p99Us: number | null; samples: number | null; rme: number | null };

function us(x: number | null | undefined): string {
  if (x === null || x === undefined) return '–';
  if (x >= 10_000) return `${(x / 1000).toFixed(1)} ms`;
  if (x >= 1000) return `${(x / 1000).toFixed(2)} ms`;
  return `${x.toFixed(x >= 100 ? 0 : 1)} µs`;
}
const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '–' : `±${x.toFixed(1)} %`);
const num = (x: number | null | undefined, d = 2): string => (x === null || x === undefined ? '–' : x.toFixed(d));
const obj = (x: unknown): Record<string, unknown> => (typeof x === 'object' && x !== null ? (x as Record<string, unknown>) : {});

function figureRow(name: string, f: Fig): string {
  return `| ${name} | ${us(f.meanUs)} | ${pct(f.rme)} | ${us(f.p99Us)} | ${f.samples ?? '–'} |`;
}

/** The hot path's parts as the suites of the same run measured them (indicative: separate loops). */
function hotPathParts(b: BenchFile): string[] {
  const s = b.suites;
  const parts: [string, string[]][] = [
    ['token verify (type 0x0001, VOPRF P-384)', ['token.type1.verify']],
    ['OHTTP request + response, both sides', ['ohttp.request.encapsulate', 'ohttp.request.decapsulate', 'ohttp.response.encapsulate', 'ohttp.response.decapsulate']],
    ['inner HPKE seal + open', ['hpke.seal', 'hpke.open']],
    ['BHTTP encode + decode', ['bhttp.encode', 'bhttp.decode']],
  ];
  const rows: string[] = [];
  for (const [label, names] of parts) {
    if (!names.every((n) => s[n])) continue;
    rows.push(`| ${label} | ${us(names.reduce((a, n) => a + s[n]!.meanUs, 0))} |`);
  }
  if (rows.length === 0) return [];
  return ['', 'The hot path\'s main parts, as this run\'s suites measured them alone:', '', '| part | mean |', '|---|---|', ...rows];
}

/** Renders bench.md from bench.json's content. */
export function renderBenchMarkdown(b: BenchFile): string {
  const m = obj(b.machine);
  const settings = obj((b as Record<string, unknown>).settings);
  const out: string[] = ['# pph bench', ''];
  out.push(`Machine: **${b.machine.cpu ?? '?'}**, ${b.machine.cores ?? '?'} cores, node ${b.machine.node ?? '?'}, ${String(m.platform ?? '')}, ${String(m.memoryGiB ?? '?')} GiB; load average at start ${String(m.loadAvg1 ?? '?')}.`);
  out.push(`Run: ${String((b as Record<string, unknown>).startedAt ?? '?')}; tinybench 6, ${String(settings.timeMs ?? '?')} ms per task (at least ${String(settings.iterationsMin ?? '?')} samples), warm-up ${String(settings.warmupMs ?? '?')} ms. Times are means; ± is tinybench's relative margin of error (95 %).`);

  const goals = obj((b as Record<string, unknown>).goals) as Record<string, { goal: string; value: number | null; met: boolean | null }>;
  if (Object.keys(goals).length) {
    out.push('', '## Goals', '', '| goal | target | this run | |', '|---|---|---|---|');
    for (const [k, g] of Object.entries(goals)) out.push(`| ${k} | ${g.goal} | ${num(g.value)} | ${g.met === null ? 'not measured' : g.met ? 'met' : '**missed**'} |`);
  }

  if (b.hotPath) {
    out.push('', '## Hot path: one complete request, per runner', '');
    out.push('Client seals to the enclave key and encapsulates to the gateway; the relay forwards; the gateway decapsulates, checks and spends the token (type 0x0001), hands the inner ciphertext to the runner; the enclave program opens, summarises (a 12-message chat, like the default scenario\'s) and seals; back through the gateway and relay; the client opens both layers and checks the answer is its own.', '');
    out.push('| runner | mean | ± | p99 | samples | ratio to floor | paired: request / floor (rounds) |', '|---|---|---|---|---|---|---|');
    for (const [runner, h] of Object.entries(b.hotPath)) {
      const f = h as unknown as Fig & { ratioToFloor: number | null; paired?: { meanUs: number; floorUs: number; rounds: number } | null };
      const paired = f.paired ? `${us(f.paired.meanUs)} / ${us(f.paired.floorUs)} (${f.paired.rounds})` : '–';
      out.push(`| ${runner} | ${us(f.meanUs)} | ${pct(f.rme)} | ${us(f.p99Us)} | ${f.samples ?? '–'} | ${num(f.ratioToFloor)} | ${paired} |`);
    }
    out.push('', 'The ratio is measured paired: the floor and one request alternate in one loop, so both see the same load (other processes share these cores); mean and ± come from tinybench\'s own run of the request.');
    out.push(...hotPathParts(b));
    const runners = (b as Record<string, unknown>).runners as { name: string; ok: boolean; why: string }[] | null | undefined;
    if (runners?.some((r) => !r.ok)) {
      out.push('', 'Runners not measured here:', '');
      for (const r of runners.filter((x) => !x.ok)) out.push(`- ${r.name}: ${r.why}`);
    }
  }

  if (b.floorUs !== null) {
    out.push('', `## Floor: ${us(b.floorUs)}`, '');
    out.push('The node:crypto synchronous primitives one request cannot avoid, on the request\'s own byte sizes, measured as one task in the same run (parts below measured alone): X25519 ×6 (two HPKE layers: ephemeral key and two DH each), HKDF ×17 (34 HMAC-SHA256: both sides of both key schedules without the cacheable psk_id/info hashes, the OHTTP response keys, the inner response key), AES-128-GCM seal+open of the four payloads, the token verify\'s group operations (one P-384 scalar multiplication by OpenSSL ECDH, SHA-384 ×5; the hash-to-curve field map has no node:crypto call and is left out, so the floor is a lower bound) and SHA-256 ×2.', '');
    const parts = obj((b as Record<string, unknown>).floorParts) as Record<string, Fig>;
    if (Object.keys(parts).length) {
      out.push('| part | mean | ± | p99 | samples |', '|---|---|---|---|---|');
      for (const [k, f] of Object.entries(parts)) out.push(figureRow(k, f));
    }
  }

  if (b.peer) {
    const p = obj(b.peer);
    out.push('', `## Peer: OHTTP round trip, speed-up ${num(b.peer.ohttpSpeedup, 1)}×`, '');
    out.push('`@hpke/ohttp` does not exist on npm. The peer is RFC 9458 OHTTP written directly on `@hpke/core`\'s asynchronous CipherSuite (WebCrypto DHKEM(X25519), HKDF-SHA256, AES-128-GCM; WebCrypto HKDF for the response keys), and a variant with `@hpke/dhkem-x25519` (noble) for X25519. One round trip = client encapsulates, gateway decapsulates and encapsulates the response, client opens it, on the hot path\'s own BHTTP request and response. The speed-up is against the faster peer, each measured paired (ours and the peer alternate in one loop): ' + (Object.entries(obj(p.speedups)).map(([k, v]) => `${k} ${num(Number(v), 1)}×`).join(', ') || '–') + '.', '');
    out.push('| implementation | mean | ± | p99 | samples |', '|---|---|---|---|---|');
    if (p.ours) out.push(figureRow('pph (protocol/ohttp.ts, node:crypto sync)', p.ours as Fig));
    for (const [k, f] of Object.entries(obj(p.peers))) out.push(figureRow(k, f as Fig));
  }

  if (b.sim) {
    const s = obj(b.sim);
    out.push('', `## Simulator: ${num(b.sim.runsPerSec, 3)} runs/s of scenario ${String(s.scenario ?? '?')}`, '');
    out.push(`${String(s.runs ?? '?')} timed runs after one warm-up, ${us(Number(s.runMsMean) * 1000)} each; crypto ${us(Number(s.cryptoMsPerRun) * 1000)} of it; overhead ratio ${num(b.sim.overheadRatio)} (overhead time / crypto time).`);
    const small = obj(s.smallWorld);
    if (s.runsPerSecond !== undefined) out.push('', `Small world (scenario ${String(small.scenario ?? '?')}, 1 worker, no profiler): ${num(Number(s.runsPerSecond), 3)} runs/s (sim.runsPerSecond), ${us(Number(small.runMsMean) * 1000)} a run over ${String(small.runs ?? '?')} runs${small.perRunKeys ? `; with fresh keys every run (no world.keySeed) ${us(Number(obj(small.perRunKeys).runMsMean) * 1000)} a run, so the key seed gives ${num(Number(small.keySeedSpeedup), 2)}×` : ''}.`);
    out.push('', `Method: ${String(s.method ?? '')}.`, '');
    out.push('| where the run\'s time goes | share |', '|---|---|');
    for (const [k, v] of Object.entries(obj(s.shares))) out.push(`| ${k} | ${(Number(v) * 100).toFixed(1)} % |`);
    const cs = Object.entries(obj(s.cryptoShares));
    if (cs.length) {
      out.push('', '| crypto time by protocol file | share of crypto |', '|---|---|');
      for (const [k, v] of cs) out.push(`| protocol/${k} | ${(Number(v) * 100).toFixed(1)} % |`);
    }
  }

  out.push('', '## Campaign', '');
  out.push(b.campaign ? `${num(b.campaign.runsPerSec1)} runs/s with 1 worker, ${num(b.campaign.runsPerSec2)} with 2: scaling ${num(b.campaign.scaling)}×.` : 'Not measured in this run (campaign: null).');
  if (b.campaign && obj(b.campaign).cpuMsPerRun1 !== undefined) {
    const c = obj(b.campaign);
    out.push('', `CPU per run (all threads): ${num(Number(c.cpuMsPerRun1))} ms with 1 worker, ${num(Number(c.cpuMsPerRun2))} ms with 2 (persistent, warmed pool); the 1-worker campaign used ${num(Number(c.coresUsed1))} cores (V8's concurrent GC and compiler threads on the second core) and the 2-worker campaign ${num(Number(c.coresUsed2))}, so the scaling is (${num(Number(c.coresUsed2))} / ${num(Number(c.coresUsed1))}) × (${num(Number(c.cpuMsPerRun1))} / ${num(Number(c.cpuMsPerRun2))}).`);
  }

  const ex = (b as Record<string, unknown>).explore;
  if (ex) {
    const e = obj(ex);
    const row = (name: string, x: unknown): string => {
      const f = obj(x);
      return `| ${name} | ${String(f.depth)} | ${String(f.states)} | ${String(f.transitions)} | ${num(Number(f.wallMs))} ms | ${num(Number(f.statesPerMinute))} |`;
    };
    out.push('', '## Explore', '', `\`pph explore\` on ${String(e.scenario)} (profile ${String(e.profile)}), one thread; the concrete engine re-runs the real simulator for every state.`, '');
    out.push('| engine | depth ≤ | states | transitions | wall | states/min |', '|---|---|---|---|---|---|');
    out.push(row('symbolic', e.symbolic ?? e));
    if (e.concrete) out.push(row('concrete', e.concrete));
  }
  if (b.search) {
    const sr = b.search;
    const cell = (xs: (number | null)[]) => xs.map((x) => (x === null ? `>${sr.maxRuns}` : String(x))).join(', ');
    out.push('', `## Search: runs to kill, random vs guided (seeds ${sr.seeds.join(', ')}, at most ${sr.maxRuns} runs)`, '', '| mutant | adversary | random | guided | median random | median guided | |', '|---|---|---|---|---|---|---|');
    for (const r of sr.rows) out.push(`| ${r.mutant} | ${r.adversary} | ${cell(r.random)} | ${cell(r.guided)} | ${r.randomMedian} | ${r.guidedMedian} | ${r.verdict ?? ''} |`);
    out.push('', `Guided needed fewer runs (median) on ${sr.guidedFewer} mutants, as many on ${sr.ties}, more on ${sr.guidedMore}. A survivor counts as ${sr.maxRuns + 1} in a median. "tie (best possible)": random's median is 1 run (it kills in its first run), and guided's first run is random's first run by design, so a tie is the best possible (docs/coverage.md).`);
  }

  const md = (b as Record<string, unknown>).metadata;
  if (md) {
    const m = obj(md);
    out.push('', '## Metadata', '', `\`pph metadata\`'s analysis, all ${String(m.points)} points of ${String(m.curves)} curves at ${String(m.requests)} requests on ${String(m.workers)} worker threads: ${num(Number(m.wallMs), 0)} ms wall, ${num(Number(m.cpuMs), 0)} ms of CPU over all threads (goal: ≤ 10 s wall).`);
  }

  const names = Object.keys(b.suites);
  if (names.length) {
    out.push('', '## Suites', '', '| suite | mean | ± | p99 | samples |', '|---|---|---|---|---|');
    for (const n of names) out.push(figureRow(n, b.suites[n]!));
    out.push('', 'bhttp: the padded summarise request; hpke: single-shot base mode on the inner request\'s size; ohttp: the hot path\'s BHTTP request and response; token: issuer evaluation (type 1: VOPRF + DLEQ proof; type 2: blind RSA-2048 signature) and redemption check; sev-snp: a simulated Milan report through the real verifier, with the VCEK endorsed once (cached) or the chain parsed and checked each time (uncached); merkle: proofs in a 10 000-leaf log; checkpoint: log signature + 2 of 3 witness cosignatures (Ed25519); inference: extractive summary of a 200-message chat.');
  }
  return out.join('\n') + '\n';
}
