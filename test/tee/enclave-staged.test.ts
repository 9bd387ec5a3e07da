/**
 * The enclave program's staged calls (the simulator's node drives them one step of the enclave
 * machine at a time, through the in-process runner): open → infer → seal → erase. The launch
 * options are honoured by the program: `erase: false` keeps a request's state after the erase
 * call (the `state-erasure` ablation), `log=requests` writes opened requests to the log the host
 * collects, and the runner's `state()` shows any field the program keeps, whatever its name.
 * pcc: a rotation keeps the previous epoch's key one epoch. Negative cases: bad calls are error
 * replies, never throws.
 */
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../protocol/bytes.js';
import { generateKeyPair } from '../../protocol/hpke.js';
import { diffusedResponseKey, openInnerResponse, responseKey, sealDiffusedRequest, sealInnerRequest } from '../../protocol/inner-session.js';
import { ChaChaRng } from '../../sim/rng.js';
import { decodeReply, encodeBootCall, encodeRotateCall, encodeStagedCall, ENCLAVE_CALL, OPEN_MODE, type EnclaveLaunch } from '../../tee/enclave-program.js';
import { InProcessRunner } from '../../tee/in-process.js';

const rng = ChaChaRng.fromSeed('enclave-staged');
const node = { nodeId: 'enclave-0', pair: generateKeyPair(rng.fork('node')) };
const task = { requestId: 'req-7', canary: 'zqcanary7', messages: [{ from: 'ana', text: 'The meeting moved to Friday. Bring the slides.' }] };
const plain = utf8(JSON.stringify(task));

function booted(launch: EnclaveLaunch = {}): InProcessRunner {
  const r = new InProcessRunner({ launch });
  r.startSync();
  expect(decodeReply(r.enterSync(encodeBootCall({ secretKey: node.pair.secretKey, nodeId: node.nodeId }))).kind).toBe('booted');
  return r;
}
const call = (r: InProcessRunner, kind: 4 | 5 | 6 | 7, ref: number, ...rest: Uint8Array[]) => decodeReply(r.enterSync(encodeStagedCall(kind, ref, ...rest)));
const holds = (r: InProcessRunner, needle: string) => JSON.stringify(r.state(), (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v instanceof Map ? [...v] : v instanceof Set ? [...v] : v)).includes(needle);

describe('enclave program: staged calls', () => {
  it('opens, summarises, seals under the HPKE-exported key and erases; the probe sees the opening and the answer', () => {
    const seen: string[] = [];
    const r = booted({ probe: { opened: (ref, id) => seen.push(`opened ${ref} ${id}`), answered: (ref) => seen.push(`answered ${ref}`) } });
    const sent = sealInnerRequest(node.pair.publicKey, node.nodeId, plain, rng);
    expect(call(r, ENCLAVE_CALL.open, 9, Uint8Array.of(OPEN_MODE.inner), sent.bytes)).toEqual({ kind: 'opened', requestId: 'req-7' });
    expect(call(r, ENCLAVE_CALL.infer, 9).kind).toBe('inferred');
    const sealed = call(r, ENCLAVE_CALL.seal, 9, rng.bytes(12));
    if (sealed.kind !== 'answer') throw new Error(sealed.kind);
    const answer = JSON.parse(Buffer.from(openInnerResponse(responseKey(sent.context, true, node.pair.publicKey), sealed.sealed)).toString('utf8')) as { requestId: string; canary: string };
    expect(answer).toMatchObject({ requestId: 'req-7', canary: 'zqcanary7' });
    expect(seen).toEqual(['opened 9 req-7', 'answered 9']);
    expect(holds(r, 'zqcanary7')).toBe(true);
    expect(call(r, ENCLAVE_CALL.erase, 9).kind).toBe('erased');
    expect(holds(r, 'zqcanary7')).toBe(false);
    expect(r.drainLog()).toEqual([]);
  });

  it('launched with erase: false, the program keeps the request state after the erase call', () => {
    const r = booted({ erase: false });
    call(r, ENCLAVE_CALL.open, 1, Uint8Array.of(OPEN_MODE.inner), sealInnerRequest(node.pair.publicKey, node.nodeId, plain, rng).bytes);
    call(r, ENCLAVE_CALL.infer, 1);
    call(r, ENCLAVE_CALL.seal, 1, rng.bytes(12));
    expect(call(r, ENCLAVE_CALL.erase, 1).kind).toBe('kept');
    expect(holds(r, 'zqcanary7')).toBe(true);
  });

  it('log=requests writes the opened request to the log the host collects; the released configuration does not', () => {
    const logging = booted({ config: 'log=requests;model=small' });
    call(logging, ENCLAVE_CALL.open, 2, Uint8Array.of(OPEN_MODE.inner), sealInnerRequest(node.pair.publicKey, node.nodeId, plain, rng).bytes);
    const log = logging.drainLog();
    expect(log.map((b) => Buffer.from(b).toString('utf8'))).toEqual([JSON.stringify(task)]);
    expect(logging.drainLog()).toEqual([]);
    expect(() => new InProcessRunner({ launch: { config: 'log=everything' } }).startSync()).toThrow(/configuration/);
  });

  it('state() shows a field the program keeps under any name', () => {
    const r = booted();
    call(r, ENCLAVE_CALL.open, 3, Uint8Array.of(OPEN_MODE.inner), sealInnerRequest(node.pair.publicKey, node.nodeId, plain, rng).bytes);
    call(r, ENCLAVE_CALL.infer, 3);
    call(r, ENCLAVE_CALL.seal, 3, rng.bytes(12));
    call(r, ENCLAVE_CALL.erase, 3);
    expect(holds(r, 'zqcanary7')).toBe(false);
    const program = (r as unknown as { program: Record<string, unknown> }).program;
    program['somethingElse'] = plain.slice();
    expect(Object.keys(r.state())).toContain('somethingElse');
    expect(holds(r, 'zqcanary7')).toBe(true);
  });

  it('pcc: after a rotation a request sealed to the previous key still opens; one sealed to a key two epochs old does not', () => {
    const r = booted();
    const next = generateKeyPair(rng.fork('epoch-1'));
    const toOld = sealDiffusedRequest([{ pkE: node.pair.publicKey, nodeId: node.nodeId }], plain, rng);
    const rotated = decodeReply(r.enterSync(encodeRotateCall(next.secretKey)));
    expect(rotated).toEqual({ kind: 'booted', publicKey: next.publicKey });
    expect(call(r, ENCLAVE_CALL.open, 4, Uint8Array.of(OPEN_MODE.diffused), toOld.bytes).kind).toBe('opened');
    call(r, ENCLAVE_CALL.infer, 4);
    const sealed = call(r, ENCLAVE_CALL.seal, 4, rng.bytes(12));
    if (sealed.kind !== 'answer') throw new Error(sealed.kind);
    expect(Buffer.from(openInnerResponse(diffusedResponseKey(toOld.key), sealed.sealed)).toString('utf8')).toContain('zqcanary7');
    expect(call(r, ENCLAVE_CALL.open, 5, Uint8Array.of(OPEN_MODE.diffused), toOld.bytes)).toEqual({ kind: 'error', code: 'InnerSessionError.replay' });
    r.enterSync(encodeRotateCall(generateKeyPair(rng.fork('epoch-2')).secretKey));
    const toOld2 = sealDiffusedRequest([{ pkE: node.pair.publicKey, nodeId: node.nodeId }], plain, rng);
    expect(call(r, ENCLAVE_CALL.open, 6, Uint8Array.of(OPEN_MODE.diffused), toOld2.bytes).kind).toBe('error');
  });

  it('refuses bad staged calls with error replies: unknown ref, no mode, short nonce, before boot, a rotation of the wrong length', () => {
    const r = booted();
    expect(call(r, ENCLAVE_CALL.infer, 77)).toEqual({ kind: 'error', code: 'EnclaveCallError.payload' });
    expect(call(r, ENCLAVE_CALL.seal, 77, rng.bytes(12))).toEqual({ kind: 'error', code: 'EnclaveCallError.payload' });
    expect(call(r, ENCLAVE_CALL.seal, 77, rng.bytes(5))).toEqual({ kind: 'error', code: 'EnclaveCallError.truncated' });
    expect(call(r, ENCLAVE_CALL.open, 1)).toEqual({ kind: 'error', code: 'EnclaveCallError.payload' });
    expect(call(r, ENCLAVE_CALL.open, 1, Uint8Array.of(9), rng.bytes(40))).toEqual({ kind: 'error', code: 'EnclaveCallError.payload' });
    expect(call(r, ENCLAVE_CALL.open, 1, Uint8Array.of(OPEN_MODE.inner), rng.bytes(80)).kind).toBe('error');
    expect(decodeReply(r.enterSync(Uint8Array.of(ENCLAVE_CALL.erase, 0, 0)))).toEqual({ kind: 'error', code: 'EnclaveCallError.truncated' });
    expect(decodeReply(r.enterSync(Uint8Array.of(ENCLAVE_CALL.rotate, 1, 2, 3)))).toEqual({ kind: 'error', code: 'EnclaveCallError.truncated' });
    const fresh = new InProcessRunner();
    fresh.startSync();
    expect(call(fresh, ENCLAVE_CALL.infer, 1)).toEqual({ kind: 'error', code: 'EnclaveCallError.not-booted' });
    expect(decodeReply(fresh.enterSync(encodeRotateCall(node.pair.secretKey)))).toEqual({ kind: 'error', code: 'EnclaveCallError.not-booted' });
    expect(() => encodeStagedCall(ENCLAVE_CALL.open, -1)).toThrow(RangeError);
  });
});
