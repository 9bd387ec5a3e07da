/**
 * Unit tests of model/machines/client.ts: every event in every state, the next state and the exact
 * intents, driven with the pure transition as sim/actor.ts drives it.
 */
import { describe, expect, it } from 'vitest';
import { clientMachine, type ClientInput } from '../../model/machines/client.js';
import { ALL_CHECKS, Driver, kinds } from './machine-harness.js';

const INPUT: ClientInput = {
  user: 'client-0',
  optedIn: true,
  excludedChats: ['chat-secret'],
  checks: ALL_CHECKS,
  pad: true,
  checkResponseBinding: true,
  retries: 2,
  tokenBatch: 3,
  attestTimeoutMs: 1_000,
  responseTimeoutMs: 2_000,
};

function client(overrides: Partial<ClientInput> = {}): Driver<typeof clientMachine> {
  return new Driver(clientMachine, { ...INPUT, ...overrides });
}

/** A client that has fetched `tokens` tokens and is attesting `r1` (attempt 0). */
function attesting(overrides: Partial<ClientInput> = {}, tokens = 3): Driver<typeof clientMachine> {
  const c = client(overrides);
  c.send({ type: 'TASK', requestId: 'r1', chatId: 'chat-a' });
  c.send({ type: 'TOKENS_READY', count: tokens });
  expect(c.value).toBe('attesting');
  return c;
}

function verifying(overrides: Partial<ClientInput> = {}, tokens = 3): Driver<typeof clientMachine> {
  const c = attesting(overrides, tokens);
  c.send({ type: 'BUNDLE', requestId: 'r1', ref: 41 });
  expect(c.value).toBe('verifying');
  return c;
}

function sending(overrides: Partial<ClientInput> = {}, tokens = 3): Driver<typeof clientMachine> {
  const c = verifying(overrides, tokens);
  c.send({ type: 'EVIDENCE_OK', requestId: 'r1' });
  expect(c.value).toBe('sending');
  return c;
}

function opening(overrides: Partial<ClientInput> = {}): Driver<typeof clientMachine> {
  const c = sending(overrides);
  c.send({ type: 'RESPONSE', requestId: 'r1', ref: 77 });
  expect(c.value).toBe('opening');
  return c;
}

describe('client machine: start', () => {
  it('starts idle, with no tokens, no work and no intents', () => {
    const c = client();
    expect(c.value).toBe('idle');
    expect(c.initialIntents).toEqual([]);
    expect(c.context).toMatchObject({ tokens: 0, queue: [], current: null, evidenceRef: null, completed: 0, failed: 0, blocked: 0 });
    expect(c.context.user).toBe('client-0');
  });

  it('ignores every non-task event while idle', () => {
    const c = client();
    c.expectIgnored({ type: 'TOKENS_READY', count: 5 });
    c.expectIgnored({ type: 'TOKENS_FAILED', code: 'x' });
    c.expectIgnored({ type: 'BUNDLE', requestId: 'r1', ref: 1 });
    c.expectIgnored({ type: 'EVIDENCE_OK', requestId: 'r1' });
    c.expectIgnored({ type: 'RESPONSE', requestId: 'r1', ref: 1 });
    c.expectIgnored({ type: 'RESPONSE_OK', requestId: 'r1' });
    c.expectIgnored({ type: 'TIMEOUT', name: 'attest' });
  });
});

describe('client machine: consent (PROTOCOL.md step 1)', () => {
  it('keeps a task of an excluded chat on the device: consent-block, nothing queued', () => {
    const c = client();
    const intents = c.send({ type: 'TASK', requestId: 'r1', chatId: 'chat-secret' });
    expect(intents).toEqual([{ kind: 'consent-block', requestId: 'r1', chatId: 'chat-secret', reason: 'excluded' }]);
    expect(c.value).toBe('idle');
    expect(c.context.queue).toEqual([]);
    expect(c.context.blocked).toBe(1);
  });

  it('keeps every task of an opted-out user on the device, whatever the chat', () => {
    const c = client({ optedIn: false });
    for (const [requestId, chatId] of [['r1', 'chat-a'], ['r2', 'chat-secret']] as const) {
      const intents = c.send({ type: 'TASK', requestId, chatId });
      expect(intents).toEqual([{ kind: 'consent-block', requestId, chatId, reason: 'opted-out' }]);
      expect(c.value).toBe('idle');
    }
    expect(c.context.queue).toEqual([]);
    expect(c.context.blocked).toBe(2);
  });

  it('blocks an excluded task that arrives while another request is in flight, without disturbing it', () => {
    const c = sending();
    const before = structuredClone(c.context.current);
    const intents = c.send({ type: 'TASK', requestId: 'r2', chatId: 'chat-secret' });
    expect(kinds(intents)).toEqual(['consent-block']);
    expect(c.value).toBe('sending');
    expect(c.context.current).toEqual(before);
    expect(c.context.queue).toEqual([]);
  });

  it('never emits a network intent for a blocked task', () => {
    const c = client({ optedIn: false });
    const intents = c.send({ type: 'TASK', requestId: 'r1', chatId: 'chat-a' });
    expect(kinds(intents)).not.toContain('request-tokens');
    expect(kinds(intents)).not.toContain('attest');
    expect(kinds(intents)).not.toContain('send-request');
  });
});

describe('client machine: tokens (PROTOCOL.md step 2)', () => {
  it('a task with no tokens goes to fetchingTokens with request-tokens and a timer', () => {
    const c = client();
    const intents = c.send({ type: 'TASK', requestId: 'r1', chatId: 'chat-a' });
    expect(c.value).toBe('fetchingTokens');
    expect(intents).toEqual([
      { kind: 'request-tokens', count: 3 },
      { kind: 'timer', name: 'tokens', ms: 2_000 },
    ]);
    expect(c.context.queue).toEqual([{ requestId: 'r1', chatId: 'chat-a' }]);
  });

  it('TOKENS_READY cancels the timer, stores the count and starts attesting the head of the queue', () => {
    const c = client();
    c.send({ type: 'TASK', requestId: 'r1', chatId: 'chat-a' });
    const intents = c.send({ type: 'TOKENS_READY', count: 3 });
    expect(c.value).toBe('attesting');
    expect(intents).toEqual([
      { kind: 'cancel-timer', name: 'tokens' },
      { kind: 'attest', requestId: 'r1', attempt: 0 },
      { kind: 'timer', name: 'attest', ms: 1_000 },
    ]);
    expect(c.context.tokens).toBe(3);
    expect(c.context.current).toEqual({ requestId: 'r1', chatId: 'chat-a', attempt: 0 });
    expect(c.context.queue).toEqual([]);
  });

  it('TOKENS_READY with zero tokens asks again', () => {
    const c = client();
    c.send({ type: 'TASK', requestId: 'r1', chatId: 'chat-a' });
    const intents = c.send({ type: 'TOKENS_READY', count: 0 });
    expect(c.value).toBe('fetchingTokens');
    expect(kinds(intents)).toEqual(['cancel-timer', 'request-tokens', 'timer']);
  });

  it('TOKENS_FAILED ends the head request with no-tokens and goes idle', () => {
    const c = client();
    c.send({ type: 'TASK', requestId: 'r1', chatId: 'chat-a' });
    const intents = c.send({ type: 'TOKENS_FAILED', code: 'issuer-down' });
    expect(c.value).toBe('idle');
    expect(intents).toEqual([
      { kind: 'request-done', requestId: 'r1', outcome: 'error', code: 'no-tokens' },
      { kind: 'cancel-timer', name: 'tokens' },
    ]);
    expect(c.context).toMatchObject({ queue: [], failed: 1, tokens: 0, current: null });
  });

  it('TOKENS_FAILED with more work queued fails only the head and asks again for the next', () => {
    const c = client();
    c.send({ type: 'TASK', requestId: 'r1', chatId: 'chat-a' });
    c.send({ type: 'TASK', requestId: 'r2', chatId: 'chat-b' });
    expect(c.context.queue.map((t) => t.requestId)).toEqual(['r1', 'r2']);
    const intents = c.send({ type: 'TOKENS_FAILED', code: 'issuer-down' });
    expect(c.value).toBe('fetchingTokens');
    expect(intents).toEqual([
      { kind: 'request-done', requestId: 'r1', outcome: 'error', code: 'no-tokens' },
      { kind: 'cancel-timer', name: 'tokens' },
      { kind: 'request-tokens', count: 3 },
      { kind: 'timer', name: 'tokens', ms: 2_000 },
    ]);
    expect(c.context.queue).toEqual([{ requestId: 'r2', chatId: 'chat-b' }]);
  });

  it('the tokens timer ends the head request with no-tokens (no cancel: the timer fired)', () => {
    const c = client();
    c.send({ type: 'TASK', requestId: 'r1', chatId: 'chat-a' });
    const intents = c.send({ type: 'TIMEOUT', name: 'tokens' });
    expect(c.value).toBe('idle');
    expect(intents).toEqual([{ kind: 'request-done', requestId: 'r1', outcome: 'error', code: 'no-tokens' }]);
    expect(c.context.failed).toBe(1);
  });

  it('ignores other timers and evidence events while fetching tokens', () => {
    const c = client();
    c.send({ type: 'TASK', requestId: 'r1', chatId: 'chat-a' });
    c.expectIgnored({ type: 'TIMEOUT', name: 'attest' });
    c.expectIgnored({ type: 'TIMEOUT', name: 'response' });
    c.expectIgnored({ type: 'BUNDLE', requestId: 'r1', ref: 1 });
    c.expectIgnored({ type: 'RESPONSE_OK', requestId: 'r1' });
  });

  it('queues a task that arrives while fetching, without a second token request', () => {
    const c = client();
    c.send({ type: 'TASK', requestId: 'r1', chatId: 'chat-a' });
    const intents = c.send({ type: 'TASK', requestId: 'r2', chatId: 'chat-b' });
    expect(intents).toEqual([]);
    expect(c.value).toBe('fetchingTokens');
    expect(c.context.queue.map((t) => t.requestId)).toEqual(['r1', 'r2']);
  });
});

describe('client machine: attestation and evidence (PROTOCOL.md steps 3-4)', () => {
  it('BUNDLE for the current request cancels the timer and verifies with every configured check', () => {
    const c = attesting();
    const intents = c.send({ type: 'BUNDLE', requestId: 'r1', ref: 41 });
    expect(c.value).toBe('verifying');
    expect(intents).toEqual([
      { kind: 'cancel-timer', name: 'attest' },
      { kind: 'verify-evidence', requestId: 'r1', ref: 41, checks: ALL_CHECKS },
    ]);
    expect(c.context.evidenceRef).toBe(41);
  });

  it('passes ablated checks through unchanged', () => {
    const checks = { ...ALL_CHECKS, chain: false, clientNonce: false };
    const c = attesting({ checks });
    const intents = c.send({ type: 'BUNDLE', requestId: 'r1', ref: 41 });
    expect(intents[1]).toEqual({ kind: 'verify-evidence', requestId: 'r1', ref: 41, checks });
  });

  it('ignores a bundle for another request, and other timers', () => {
    const c = attesting();
    c.expectIgnored({ type: 'BUNDLE', requestId: 'r0', ref: 41 });
    c.expectIgnored({ type: 'TIMEOUT', name: 'response' });
    c.expectIgnored({ type: 'TIMEOUT', name: 'tokens' });
    c.expectIgnored({ type: 'EVIDENCE_OK', requestId: 'r1' });
    c.expectIgnored({ type: 'RESPONSE', requestId: 'r1', ref: 9 });
    c.expectIgnored({ type: 'TOKENS_READY', count: 9 });
  });

  it('EVIDENCE_OK for the current request sends it: one token spent, pad flag, response timer', () => {
    const c = verifying();
    const intents = c.send({ type: 'EVIDENCE_OK', requestId: 'r1' });
    expect(c.value).toBe('sending');
    expect(intents).toEqual([
      { kind: 'send-request', requestId: 'r1', chatId: 'chat-a', attempt: 0, pad: true },
      { kind: 'timer', name: 'response', ms: 2_000 },
    ]);
    expect(c.context.tokens).toBe(2);
    expect(c.context.evidenceRef).toBeNull();
  });

  it('sends unpadded when padding is ablated', () => {
    const c = verifying({ pad: false });
    const intents = c.send({ type: 'EVIDENCE_OK', requestId: 'r1' });
    expect(intents[0]).toMatchObject({ kind: 'send-request', pad: false });
  });

  it('EVIDENCE_REJECTED ends the request with the check code, without sending', () => {
    const c = verifying();
    const intents = c.send({ type: 'EVIDENCE_REJECTED', requestId: 'r1', code: 'signature' });
    expect(c.value).toBe('idle');
    expect(intents).toEqual([{ kind: 'request-done', requestId: 'r1', outcome: 'error', code: 'evidence-rejected.signature' }]);
    expect(c.context).toMatchObject({ current: null, failed: 1, evidenceRef: null, tokens: 3 });
  });

  it('ignores verdicts for another request and timers while verifying', () => {
    const c = verifying();
    c.expectIgnored({ type: 'EVIDENCE_OK', requestId: 'r9' });
    c.expectIgnored({ type: 'EVIDENCE_REJECTED', requestId: 'r9', code: 'chain' });
    c.expectIgnored({ type: 'TIMEOUT', name: 'attest' });
    c.expectIgnored({ type: 'BUNDLE', requestId: 'r1', ref: 42 });
  });
});

describe('client machine: response (PROTOCOL.md steps 5 and 9)', () => {
  it('RESPONSE for the current request cancels the timer and opens it with the binding flag', () => {
    const c = sending();
    const intents = c.send({ type: 'RESPONSE', requestId: 'r1', ref: 77 });
    expect(c.value).toBe('opening');
    expect(intents).toEqual([
      { kind: 'cancel-timer', name: 'response' },
      { kind: 'open-response', requestId: 'r1', ref: 77, checkBinding: true },
    ]);
  });

  it('opens without the binding check when response-binding is ablated', () => {
    const c = sending({ checkResponseBinding: false });
    const intents = c.send({ type: 'RESPONSE', requestId: 'r1', ref: 77 });
    expect(intents[1]).toEqual({ kind: 'open-response', requestId: 'r1', ref: 77, checkBinding: false });
  });

  it('RESPONSE_OK ends the request ok and counts it', () => {
    const c = opening();
    const intents = c.send({ type: 'RESPONSE_OK', requestId: 'r1' });
    expect(c.value).toBe('idle');
    expect(intents).toEqual([{ kind: 'request-done', requestId: 'r1', outcome: 'ok', code: 'ok' }]);
    expect(c.context).toMatchObject({ completed: 1, failed: 0, current: null, evidenceRef: null });
  });

  it('RESPONSE_REJECTED ends the request with the check code', () => {
    const c = opening();
    const intents = c.send({ type: 'RESPONSE_REJECTED', requestId: 'r1', code: 'binding' });
    expect(c.value).toBe('idle');
    expect(intents).toEqual([{ kind: 'request-done', requestId: 'r1', outcome: 'error', code: 'response-rejected.binding' }]);
    expect(c.context).toMatchObject({ completed: 0, failed: 1, current: null });
  });

  it('ignores responses and verdicts of other requests, and timers, while sending or opening', () => {
    const s = sending();
    s.expectIgnored({ type: 'RESPONSE', requestId: 'r0', ref: 77 });
    s.expectIgnored({ type: 'TIMEOUT', name: 'attest' });
    s.expectIgnored({ type: 'RESPONSE_OK', requestId: 'r1' });
    const o = opening();
    o.expectIgnored({ type: 'RESPONSE_OK', requestId: 'r0' });
    o.expectIgnored({ type: 'RESPONSE_REJECTED', requestId: 'r0', code: 'binding' });
    o.expectIgnored({ type: 'TIMEOUT', name: 'response' });
    o.expectIgnored({ type: 'RESPONSE', requestId: 'r1', ref: 78 });
  });
});

describe('client machine: timeouts and retries', () => {
  it('an attest timeout retries with the next attempt number, up to `retries`, then ends with timeout', () => {
    const c = attesting({ retries: 2 });
    for (const attempt of [1, 2]) {
      const intents = c.send({ type: 'TIMEOUT', name: 'attest' });
      expect(c.value).toBe('attesting');
      expect(intents).toEqual([
        { kind: 'attest', requestId: 'r1', attempt },
        { kind: 'timer', name: 'attest', ms: 1_000 },
      ]);
      expect(c.context.current).toEqual({ requestId: 'r1', chatId: 'chat-a', attempt });
    }
    const intents = c.send({ type: 'TIMEOUT', name: 'attest' });
    expect(c.value).toBe('idle');
    expect(intents).toEqual([{ kind: 'request-done', requestId: 'r1', outcome: 'error', code: 'timeout' }]);
    expect(c.context).toMatchObject({ current: null, failed: 1 });
  });

  it('with retries 0 the first timeout ends the request', () => {
    const c = attesting({ retries: 0 });
    const intents = c.send({ type: 'TIMEOUT', name: 'attest' });
    expect(c.value).toBe('idle');
    expect(intents).toEqual([{ kind: 'request-done', requestId: 'r1', outcome: 'error', code: 'timeout' }]);
  });

  it('a response timeout re-attests (fresh nonce) with the next attempt number', () => {
    const c = sending();
    const intents = c.send({ type: 'TIMEOUT', name: 'response' });
    expect(c.value).toBe('attesting');
    expect(intents).toEqual([
      { kind: 'attest', requestId: 'r1', attempt: 1 },
      { kind: 'timer', name: 'attest', ms: 1_000 },
    ]);
  });

  it('the retried attempt carries its number into send-request', () => {
    const c = sending();
    c.send({ type: 'TIMEOUT', name: 'response' });
    c.send({ type: 'BUNDLE', requestId: 'r1', ref: 50 });
    const intents = c.send({ type: 'EVIDENCE_OK', requestId: 'r1' });
    expect(intents[0]).toEqual({ kind: 'send-request', requestId: 'r1', chatId: 'chat-a', attempt: 1, pad: true });
  });

  it('response timeouts end the request with timeout after `retries` retries', () => {
    const c = sending({ retries: 1 });
    c.send({ type: 'TIMEOUT', name: 'response' });
    c.send({ type: 'BUNDLE', requestId: 'r1', ref: 50 });
    c.send({ type: 'EVIDENCE_OK', requestId: 'r1' });
    const intents = c.send({ type: 'TIMEOUT', name: 'response' });
    expect(c.value).toBe('idle');
    expect(intents).toEqual([{ kind: 'request-done', requestId: 'r1', outcome: 'error', code: 'timeout' }]);
  });
});

describe('client machine: one request at a time, in order', () => {
  it('serves queued tasks in arrival order, fetching tokens only when they run out', () => {
    const c = client({ tokenBatch: 2 });
    c.send({ type: 'TASK', requestId: 'r1', chatId: 'chat-a' });
    c.send({ type: 'TASK', requestId: 'r2', chatId: 'chat-b' });
    c.send({ type: 'TASK', requestId: 'r3', chatId: 'chat-c' });
    c.send({ type: 'TOKENS_READY', count: 2 });
    const started: string[] = [];
    const finish = (id: string) => {
      expect(c.context.current?.requestId).toBe(id);
      started.push(id);
      c.send({ type: 'BUNDLE', requestId: id, ref: 1 });
      c.send({ type: 'EVIDENCE_OK', requestId: id });
      c.send({ type: 'RESPONSE', requestId: id, ref: 2 });
      return c.send({ type: 'RESPONSE_OK', requestId: id });
    };
    expect(kinds(finish('r1'))).toEqual(['request-done', 'attest', 'timer']);
    const afterR2 = finish('r2');
    // Both tokens spent: r3 waits for a new batch.
    expect(kinds(afterR2)).toEqual(['request-done', 'request-tokens', 'timer']);
    expect(c.value).toBe('fetchingTokens');
    c.send({ type: 'TOKENS_READY', count: 2 });
    finish('r3');
    expect(started).toEqual(['r1', 'r2', 'r3']);
    expect(c.context).toMatchObject({ completed: 3, failed: 0, tokens: 1, queue: [], current: null });
    expect(c.value).toBe('idle');
  });

  it('a failed request does not stop the next one', () => {
    const c = verifying();
    c.send({ type: 'TASK', requestId: 'r2', chatId: 'chat-b' });
    const intents = c.send({ type: 'EVIDENCE_REJECTED', requestId: 'r1', code: 'tcb' });
    expect(intents).toEqual([
      { kind: 'request-done', requestId: 'r1', outcome: 'error', code: 'evidence-rejected.tcb' },
      { kind: 'attest', requestId: 'r2', attempt: 0 },
      { kind: 'timer', name: 'attest', ms: 1_000 },
    ]);
    expect(c.value).toBe('attesting');
  });
});

describe('client machine: retries and tokens (regression)', () => {
  // Once a bug: a retry went retrying -> attesting -> sending without the token check in `idle`,
  // so with the last token spent it sent without one and the count went to -1, after which
  // `needsTokens` (tokens === 0) never fired again. Retries now requeue through `idle`.
  it('a retry after a response timeout with the last token fetches tokens first and never goes negative', () => {
    const c = sending({ retries: 1 }, 1);
    expect(c.context.tokens).toBe(0);
    const onTimeout = c.send({ type: 'TIMEOUT', name: 'response' });
    expect(kinds(onTimeout)).toContain('request-tokens');
    expect(kinds(onTimeout)).not.toContain('send-request');
    expect(c.value).toBe('fetchingTokens');
    expect(c.context.tokens).toBe(0);
    expect(c.context.queue[0]).toMatchObject({ requestId: 'r1', attempt: 1 });
    c.send({ type: 'TOKENS_READY', count: 2 });
    expect(c.value).toBe('attesting');
    c.send({ type: 'BUNDLE', requestId: 'r1', ref: 50 });
    const retry = c.send({ type: 'EVIDENCE_OK', requestId: 'r1' });
    expect(kinds(retry)).toContain('send-request');
    expect(c.context.tokens).toBe(1);
  });
});
