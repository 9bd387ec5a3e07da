/**
 * The enclave program's pcc call (target diffusion): a request whose key is sealed to up to k
 * nodes opens on one of them through the in-process runner, and the answer opens under the key
 * the client derives from its request key. Negative cases: a replay, a request not sealed to this
 * node, truncated and malformed calls, a call before boot: each an error reply, never a throw.
 */
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../protocol/bytes.js';
import { generateKeyPair } from '../../protocol/hpke.js';
import { diffusedResponseKey, openInnerResponse, sealDiffusedRequest } from '../../protocol/inner-session.js';
import { ChaChaRng } from '../../sim/rng.js';
import { answerOf, decodeReply, encodeBootCall, encodeDiffusedCall } from '../../tee/enclave-program.js';
import { InProcessRunner } from '../../tee/in-process.js';

const rng = ChaChaRng.fromSeed('enclave-diffused');
const nodes = [0, 1, 2].map((i) => ({ nodeId: `enclave-${i}`, pair: generateKeyPair(rng.fork(`node-${i}`)) }));
const task = { requestId: 'req-1', canary: 'zqcanary1', messages: [{ from: 'ana', text: 'Lunch at noon. Bring the report.' }, { from: 'bo', text: 'Sure, and the budget review?' }] };

async function bootedRunner(i: number): Promise<InProcessRunner> {
  const r = new InProcessRunner();
  await r.start();
  const booted = decodeReply(await r.enter(encodeBootCall({ secretKey: nodes[i]!.pair.secretKey, nodeId: nodes[i]!.nodeId })));
  expect(booted.kind).toBe('booted');
  return r;
}

describe('enclave program: pcc diffused requests', () => {
  it('opens a request sealed to three nodes on one of them; the client opens the answer; a replay is refused', async () => {
    const sealed = sealDiffusedRequest(nodes.map((n) => ({ pkE: n.pair.publicKey, nodeId: n.nodeId })), utf8(JSON.stringify(task)), rng);
    const runner = await bootedRunner(1);
    const call = encodeDiffusedCall(rng.bytes(12), sealed.bytes);
    const answer = JSON.parse(Buffer.from(openInnerResponse(diffusedResponseKey(sealed.key), answerOf(await runner.enter(call)))).toString('utf8')) as { requestId: string; canary: string; summary: string };
    expect(answer).toMatchObject({ requestId: 'req-1', canary: 'zqcanary1' });
    expect(answer.summary.length).toBeGreaterThan(0);
    expect(decodeReply(await runner.enter(call))).toEqual({ kind: 'error', code: 'InnerSessionError.replay' });
    // A restart is a new program: its replay cache is empty again.
    await runner.stop();
    const again = await bootedRunner(1);
    expect(decodeReply(await again.enter(call)).kind).toBe('answer');
  });

  it('refuses a request not sealed to it, truncated and malformed calls, and a call before boot', async () => {
    const notMine = sealDiffusedRequest([nodes[0]!, nodes[2]!].map((n) => ({ pkE: n.pair.publicKey, nodeId: n.nodeId })), utf8(JSON.stringify(task)), rng);
    const runner = await bootedRunner(1);
    expect(decodeReply(await runner.enter(encodeDiffusedCall(new Uint8Array(12), notMine.bytes))).kind).toBe('error');
    expect(decodeReply(await runner.enter(Uint8Array.of(3, 1, 2)))).toEqual({ kind: 'error', code: 'EnclaveCallError.truncated' });
    for (const body of [new Uint8Array(0), Uint8Array.of(0), Uint8Array.of(200), rng.bytes(300)]) {
      expect(decodeReply(await runner.enter(encodeDiffusedCall(new Uint8Array(12), body))).kind).toBe('error');
    }
    // Sealed to this node but not a task: refused as payload.
    const junk = sealDiffusedRequest([{ pkE: nodes[1]!.pair.publicKey, nodeId: nodes[1]!.nodeId }], utf8('not json'), rng);
    expect(decodeReply(await runner.enter(encodeDiffusedCall(new Uint8Array(12), junk.bytes)))).toEqual({ kind: 'error', code: 'EnclaveCallError.payload' });
    const fresh = new InProcessRunner();
    await fresh.start();
    expect(decodeReply(await fresh.enter(encodeDiffusedCall(new Uint8Array(12), notMine.bytes)))).toEqual({ kind: 'error', code: 'EnclaveCallError.not-booted' });
    expect(() => encodeDiffusedCall(new Uint8Array(11), notMine.bytes)).toThrow(RangeError);
  });
});
