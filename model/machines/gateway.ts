/**
 * The gateway (PROTOCOL.md step 7): removes the OHTTP layer, verifies the token and records it as
 * spent, forwards the inner ciphertext to the node and encapsulates the answer. It never sees the
 * client address (the relay's is all it gets) nor the inner plaintext.
 */
import { and, assign, setup } from 'xstate';
import { emit, intentAction } from './emit.js';

export type GatewayStage = 'decapsulating' | 'checking-token' | 'spending' | 'at-node' | 'responding';

export interface GatewayInput {
  spendTokens: boolean;
}

export interface GatewayContext extends GatewayInput {
  /** Requests in progress, by ref, with their stage. */
  pending: Record<string, GatewayStage>;
  served: number;
  refused: number;
}

export type GatewayEvent =
  | { type: 'OHTTP_IN'; ref: number }
  | { type: 'DECAPSULATED'; ref: number; route: 'attest' | 'summarise' }
  | { type: 'DECAP_FAILED'; ref: number; code: string }
  | { type: 'TOKEN_VALID'; ref: number }
  | { type: 'TOKEN_INVALID'; ref: number; code: string }
  | { type: 'SPENT'; ref: number }
  | { type: 'DOUBLE_SPEND'; ref: number }
  | { type: 'NODE_REPLY'; ref: number }
  | { type: 'NODE_UNAVAILABLE'; ref: number }
  | { type: 'RESPONSE_SENT'; ref: number };

type Ev<T extends GatewayEvent['type']> = Extract<GatewayEvent, { type: T }>;

const stage = (s: GatewayStage | null) =>
  assign<GatewayContext, GatewayEvent, undefined, GatewayEvent, never>({
    pending: ({ context, event }) => {
      const next = { ...context.pending };
      if (s === null) delete next[String(event.ref)];
      else next[String(event.ref)] = s;
      return next;
    },
  });

const refuse = (status: number, code: (e: GatewayEvent) => string) => [
  emit<GatewayContext, GatewayEvent>(({ event }) => ({ kind: 'respond-error', ref: event.ref, status, code: code(event) })),
  stage(null),
  assign<GatewayContext, GatewayEvent, undefined, GatewayEvent, never>({ refused: ({ context }) => context.refused + 1 }),
];

export const gatewayMachine = setup({
  types: { context: {} as GatewayContext, events: {} as GatewayEvent, input: {} as GatewayInput },
  actions: { intent: intentAction },
  guards: {
    /** The ref is pending at this stage: events for unknown refs or out of stage order are ignored. */
    at: ({ context, event }, s: GatewayStage) => context.pending[String(event.ref)] === s,
    isAttest: ({ event }) => event.type === 'DECAPSULATED' && event.route === 'attest',
    spends: ({ context }) => context.spendTokens,
  },
}).createMachine({
  id: 'gateway',
  context: ({ input }) => ({ ...input, pending: {}, served: 0, refused: 0 }),
  initial: 'serving',
  states: {
    serving: {
      on: {
        OHTTP_IN: { actions: [emit<GatewayContext, Ev<'OHTTP_IN'>>(({ event }) => ({ kind: 'decapsulate', ref: event.ref })), stage('decapsulating')] },
        DECAP_FAILED: { guard: { type: 'at', params: 'decapsulating' as GatewayStage }, actions: refuse(400, (e) => (e as Ev<'DECAP_FAILED'>).code) },
        DECAPSULATED: [
          { guard: and([{ type: 'at', params: 'decapsulating' as GatewayStage }, 'isAttest']), actions: [emit<GatewayContext, GatewayEvent>(({ event }) => ({ kind: 'forward-to-node', ref: event.ref })), stage('at-node')] },
          { guard: { type: 'at', params: 'decapsulating' as GatewayStage }, actions: [emit<GatewayContext, GatewayEvent>(({ event }) => ({ kind: 'verify-token', ref: event.ref })), stage('checking-token')] },
        ],
        TOKEN_INVALID: { guard: { type: 'at', params: 'checking-token' as GatewayStage }, actions: refuse(401, (e) => `token-${(e as Ev<'TOKEN_INVALID'>).code}`) },
        TOKEN_VALID: [
          { guard: and([{ type: 'at', params: 'checking-token' as GatewayStage }, 'spends']), actions: [emit<GatewayContext, GatewayEvent>(({ event }) => ({ kind: 'spend-token', ref: event.ref })), stage('spending')] },
          { guard: { type: 'at', params: 'checking-token' as GatewayStage }, actions: [emit<GatewayContext, GatewayEvent>(({ event }) => ({ kind: 'forward-to-node', ref: event.ref })), stage('at-node')] },
        ],
        SPENT: { guard: { type: 'at', params: 'spending' as GatewayStage }, actions: [emit<GatewayContext, GatewayEvent>(({ event }) => ({ kind: 'forward-to-node', ref: event.ref })), stage('at-node')] },
        DOUBLE_SPEND: { guard: { type: 'at', params: 'spending' as GatewayStage }, actions: refuse(401, () => 'token-double-spend') },
        NODE_UNAVAILABLE: { guard: { type: 'at', params: 'at-node' as GatewayStage }, actions: refuse(503, () => 'node-unavailable') },
        NODE_REPLY: { guard: { type: 'at', params: 'at-node' as GatewayStage }, actions: [emit<GatewayContext, GatewayEvent>(({ event }) => ({ kind: 'encapsulate-response', ref: event.ref })), stage('responding')] },
        RESPONSE_SENT: { guard: { type: 'at', params: 'responding' as GatewayStage }, actions: [stage(null), assign({ served: ({ context }) => context.served + 1 })] },
      },
    },
  },
});
