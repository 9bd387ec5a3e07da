/**
 * The worker runner runs the same enclave program behind a worker_threads boundary: for the same
 * calls it returns byte-identical replies to the in-process runner (valid requests, malformed
 * calls, a request before boot), and only bytes cross.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../protocol/bytes.js';
import { sealInnerRequest, openInnerResponse, responseKey } from '../../protocol/inner-session.js';
import { ChaChaRng } from '../../sim/rng.js';
import { answerOf, decodeReply, encodeBootCall, encodeRequestCall } from '../../tee/enclave-program.js';
import { InProcessRunner } from '../../tee/in-process.js';
import { TeeError } from '../../tee/runner.js';
import { probeRunners } from '../../tee/runners.js';
import { WorkerRunner } from '../../tee/worker.js';

describe('worker runner vs in-process runner', () => {
  const worker = new WorkerRunner();
  const local = new InProcessRunner();
  beforeAll(async () => {
    await Promise.all([worker.start(), local.start()]);
  });
  afterAll(async () => {
    await Promise.all([worker.stop(), local.stop()]);
  });

  const rng = ChaChaRng.fromSeed('worker-vs-in-process');
  const secretKey = rng.bytes(32);
  const nodeId = 'enclave-7';

  async function both(call: Uint8Array): Promise<[Uint8Array, Uint8Array]> {
    return [await worker.enter(call), await local.enter(call)];
  }

  it('a request before boot is refused the same way by both', async () => {
    const [w, l] = await both(encodeRequestCall(new Uint8Array(12), new Uint8Array(64)));
    expect(toHex(w)).toBe(toHex(l));
    expect(decodeReply(w)).toEqual({ kind: 'error', code: 'EnclaveCallError.not-booted' });
  });

  it('boot, then requests: byte-identical replies, and the client opens them', async () => {
    const [bw, bl] = await both(encodeBootCall({ secretKey, nodeId }));
    expect(toHex(bw)).toBe(toHex(bl));
    const booted = decodeReply(bw);
    if (booted.kind !== 'booted') throw new Error('did not boot');
    for (let i = 0; i < 4; i++) {
      const task = { requestId: `req-${i}`, canary: `zq${i}`, messages: [{ from: 'ana', text: `Lunch at noon ${i}. Bring the report.` }, { from: 'bo', text: 'Sure, and the budget review?' }] };
      const { bytes, context } = sealInnerRequest(booted.publicKey, nodeId, utf8(JSON.stringify(task)), rng);
      const call = encodeRequestCall(rng.bytes(12), bytes);
      const [w, l] = await both(call);
      expect(toHex(w)).toBe(toHex(l));
      const answer = JSON.parse(Buffer.from(openInnerResponse(responseKey(context, true, booted.publicKey), answerOf(w))).toString('utf8')) as { requestId: string; canary: string };
      expect(answer).toMatchObject({ requestId: `req-${i}`, canary: `zq${i}` });
    }
  });

  it('malformed calls: the same error replies, never an exception across the boundary', async () => {
    for (const call of [new Uint8Array(0), Uint8Array.of(9), Uint8Array.of(2, 1, 2), encodeRequestCall(new Uint8Array(12), utf8('not an hpke message at all, long enough'))]) {
      const [w, l] = await both(call);
      expect(toHex(w)).toBe(toHex(l));
      expect(decodeReply(w).kind).toBe('error');
    }
  });

  it('attest without a simulated chip: TeeError unavailable (the chip is outside the program)', async () => {
    await expect(worker.attest(new Uint8Array(64))).rejects.toMatchObject({ name: 'TeeError', code: 'unavailable' });
  });
});

describe('worker runner lifecycle', () => {
  it('enter before start and after stop: TeeError not-started', async () => {
    const w = new WorkerRunner();
    await expect(w.enter(Uint8Array.of(1))).rejects.toBeInstanceOf(TeeError);
    await w.start();
    await w.stop();
    await expect(w.enter(Uint8Array.of(1))).rejects.toMatchObject({ code: 'not-started' });
  });

  it('a restart is a fresh worker: the old one\'s exit does not touch the new one, and the boot key is gone', async () => {
    const w = new WorkerRunner();
    await w.start();
    expect(decodeReply(await w.enter(encodeBootCall({ secretKey: new Uint8Array(32).fill(3), nodeId: 'n' }))).kind).toBe('booted');
    await w.stop();
    await w.start();
    // The program restarted with nothing: a request is refused as not booted.
    expect(decodeReply(await w.enter(encodeRequestCall(new Uint8Array(12), new Uint8Array(64))))).toEqual({ kind: 'error', code: 'EnclaveCallError.not-booted' });
    await new Promise((r) => setTimeout(r, 20));
    expect(decodeReply(await w.enter(Uint8Array.of(9))).kind).toBe('error');
    await w.stop();
  });

  it('probe: in-process and worker work here; each runner says why or why not', async () => {
    const probes = await probeRunners({ names: ['in-process', 'worker'] });
    expect(probes.map((p) => [p.name, p.ok])).toEqual([
      ['in-process', true],
      ['worker', true],
    ]);
    for (const p of probes) expect(p.why.length).toBeGreaterThan(10);
  });
});
