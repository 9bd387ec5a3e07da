/**
 * The client (user's device): consent on the device (PROTOCOL.md step 1), tokens ahead of time
 * (step 2), attestation with a fresh nonce and every check of step 4, the request through the
 * relay (step 5) and the checks on the response (step 9). One request at a time, in order.
 */
import { assign, setup } from 'xstate';
import type { EvidenceChecks } from '../intents.js';
import { emit, intentAction } from './emit.js';

export interface ClientTask {
  requestId: string;
  chatId: string;
  /** Attempts already made (a retry goes back to the head of the queue with attempt + 1). */
  attempt?: number;
}

export interface ClientInput {
  user: string;
  optedIn: boolean;
  excludedChats: string[];
  checks: EvidenceChecks;
  pad: boolean;
  checkResponseBinding: boolean;
  retries: number;
  tokenBatch: number;
  attestTimeoutMs: number;
  responseTimeoutMs: number;
}

export interface ClientContext extends ClientInput {
  tokens: number;
  queue: ClientTask[];
  current: (ClientTask & { attempt: number }) | null;
  evidenceRef: number | null;
  completed: number;
  failed: number;
  blocked: number;
}

export type ClientEvent =
  | { type: 'TASK'; requestId: string; chatId: string }
  | { type: 'TOKENS_READY'; count: number }
  | { type: 'TOKENS_FAILED'; code: string }
  | { type: 'BUNDLE'; requestId: string; ref: number }
  | { type: 'EVIDENCE_OK'; requestId: string }
  | { type: 'EVIDENCE_REJECTED'; requestId: string; code: string }
  | { type: 'RESPONSE'; requestId: string; ref: number }
  | { type: 'RESPONSE_OK'; requestId: string }
  | { type: 'RESPONSE_REJECTED'; requestId: string; code: string }
  | { type: 'TIMEOUT'; name: string };

/** Without tokens the request at the head of the queue cannot go: it ends with an explicit error. */
const failHead = [
  emit<ClientContext, ClientEvent>(({ context }) => ({
    kind: 'request-done',
    requestId: context.queue[0]?.requestId ?? '',
    outcome: 'error',
    code: 'no-tokens',
  })),
  assign<ClientContext, ClientEvent, undefined, ClientEvent, never>({
    queue: ({ context }) => context.queue.slice(1),
    failed: ({ context }) => context.failed + 1,
  }),
];

const isCurrent = ({ context, event }: { context: ClientContext; event: ClientEvent }) =>
  'requestId' in event && context.current !== null && event.requestId === context.current.requestId;

export const clientMachine = setup({
  types: { context: {} as ClientContext, events: {} as ClientEvent, input: {} as ClientInput },
  actions: { intent: intentAction },
  guards: {
    blocked: ({ context, event }) =>
      event.type === 'TASK' && (!context.optedIn || context.excludedChats.includes(event.chatId)),
    needsTokens: ({ context }) => context.queue.length > 0 && context.tokens === 0,
    hasWork: ({ context }) => context.queue.length > 0,
    isCurrent,
    canRetry: ({ context }) => context.current !== null && context.current.attempt < context.retries,
    timerIs: ({ event }, name: string) => event.type === 'TIMEOUT' && event.name === name,
  },
}).createMachine({
  id: 'client',
  context: ({ input }) => ({ ...input, tokens: 0, queue: [], current: null, evidenceRef: null, completed: 0, failed: 0, blocked: 0 }),
  initial: 'idle',
  on: {
    TASK: [
      {
        guard: 'blocked',
        actions: [
          emit<ClientContext, Extract<ClientEvent, { type: 'TASK' }>>(({ context, event }) => ({
            kind: 'consent-block',
            requestId: event.requestId,
            chatId: event.chatId,
            reason: context.optedIn ? 'excluded' : 'opted-out',
          })),
          assign({ blocked: ({ context }) => context.blocked + 1 }),
        ],
      },
      { actions: assign({ queue: ({ context, event }) => [...context.queue, { requestId: event.requestId, chatId: event.chatId }] }) },
    ],
  },
  states: {
    idle: {
      always: [
        { guard: 'needsTokens', target: 'fetchingTokens' },
        {
          guard: 'hasWork',
          target: 'attesting',
          actions: assign({
            current: ({ context }) => ({ requestId: context.queue[0]!.requestId, chatId: context.queue[0]!.chatId, attempt: context.queue[0]!.attempt ?? 0 }),
            queue: ({ context }) => context.queue.slice(1),
          }),
        },
      ],
    },
    fetchingTokens: {
      entry: [
        emit<ClientContext, ClientEvent>(({ context }) => ({ kind: 'request-tokens', count: context.tokenBatch })),
        emit<ClientContext, ClientEvent>(({ context }) => ({ kind: 'timer', name: 'tokens', ms: context.responseTimeoutMs })),
      ],
      on: {
        TOKENS_READY: {
          target: 'idle',
          actions: [assign({ tokens: ({ context, event }) => context.tokens + event.count }), emit(() => ({ kind: 'cancel-timer', name: 'tokens' }))],
        },
        TOKENS_FAILED: { target: 'idle', actions: [...failHead, emit(() => ({ kind: 'cancel-timer', name: 'tokens' }))] },
        TIMEOUT: { guard: { type: 'timerIs', params: 'tokens' }, target: 'idle', actions: failHead },
      },
    },
    attesting: {
      entry: [
        emit<ClientContext, ClientEvent>(({ context }) => ({ kind: 'attest', requestId: context.current!.requestId, attempt: context.current!.attempt })),
        emit<ClientContext, ClientEvent>(({ context }) => ({ kind: 'timer', name: 'attest', ms: context.attestTimeoutMs })),
      ],
      on: {
        BUNDLE: {
          guard: 'isCurrent',
          target: 'verifying',
          actions: [assign({ evidenceRef: ({ event }) => event.ref }), emit(() => ({ kind: 'cancel-timer', name: 'attest' }))],
        },
        TIMEOUT: [
          { guard: { type: 'timerIs', params: 'attest' }, target: 'retrying' },
        ],
      },
    },
    verifying: {
      entry: emit<ClientContext, ClientEvent>(({ context }) => ({
        kind: 'verify-evidence',
        requestId: context.current!.requestId,
        ref: context.evidenceRef!,
        checks: context.checks,
      })),
      on: {
        EVIDENCE_OK: { guard: 'isCurrent', target: 'sending' },
        EVIDENCE_REJECTED: {
          guard: 'isCurrent',
          target: 'idle',
          actions: [
          emit<ClientContext, Extract<ClientEvent, { type: 'EVIDENCE_REJECTED' }>>(({ context, event }) => ({
            kind: 'request-done',
            requestId: context.current!.requestId,
            outcome: 'error',
            code: `evidence-rejected.${event.code}`,
          })),
          assign({ failed: ({ context }) => context.failed + 1, current: null }),
        ],
        },
      },
      exit: assign({ evidenceRef: null }),
    },
    sending: {
      entry: [
        emit<ClientContext, ClientEvent>(({ context }) => ({
          kind: 'send-request',
          requestId: context.current!.requestId,
          chatId: context.current!.chatId,
          attempt: context.current!.attempt,
          pad: context.pad,
        })),
        assign({ tokens: ({ context }) => context.tokens - 1 }),
        emit<ClientContext, ClientEvent>(({ context }) => ({ kind: 'timer', name: 'response', ms: context.responseTimeoutMs })),
      ],
      on: {
        RESPONSE: { guard: 'isCurrent', target: 'opening', actions: [assign({ evidenceRef: ({ event }) => event.ref }), emit(() => ({ kind: 'cancel-timer', name: 'response' }))] },
        TIMEOUT: { guard: { type: 'timerIs', params: 'response' }, target: 'retrying' },
      },
    },
    opening: {
      entry: emit<ClientContext, ClientEvent>(({ context }) => ({
        kind: 'open-response',
        requestId: context.current!.requestId,
        ref: context.evidenceRef!,
        checkBinding: context.checkResponseBinding,
      })),
      exit: assign({ evidenceRef: null }),
      on: {
        RESPONSE_OK: {
          guard: 'isCurrent',
          target: 'idle',
          actions: [
            emit<ClientContext, ClientEvent>(({ context }) => ({ kind: 'request-done', requestId: context.current!.requestId, outcome: 'ok', code: 'ok' })),
            assign({ completed: ({ context }) => context.completed + 1, current: null }),
          ],
        },
        RESPONSE_REJECTED: {
          guard: 'isCurrent',
          target: 'idle',
          actions: [
            emit<ClientContext, Extract<ClientEvent, { type: 'RESPONSE_REJECTED' }>>(({ context, event }) => ({
              kind: 'request-done',
              requestId: context.current!.requestId,
              outcome: 'error',
              code: `response-rejected.${event.code}`,
            })),
            assign({ failed: ({ context }) => context.failed + 1, current: null }),
          ],
        },
      },
    },
    retrying: {
      always: [
        {
          // A retry starts over from idle, so it gets fresh tokens first if it has none left.
          guard: 'canRetry',
          target: 'idle',
          actions: assign({
            queue: ({ context }) => [{ requestId: context.current!.requestId, chatId: context.current!.chatId, attempt: context.current!.attempt + 1 }, ...context.queue],
            current: null,
          }),
        },
        {
          target: 'idle',
          actions: [
            emit<ClientContext, ClientEvent>(({ context }) => ({ kind: 'request-done', requestId: context.current!.requestId, outcome: 'error', code: 'timeout' })),
            assign({ failed: ({ context }) => context.failed + 1, current: null }),
          ],
        },
      ],
    },
  },
});
