/**
 * The enclave node (PROTOCOL.md steps 0 and 8): answers attestation requests with evidence bound
 * to its key and the client's nonce, and serves one request at a time: open, infer, seal, erase.
 * After each request it must hold nothing derived from it (invariant `stateless`).
 */
import { and, assign, setup } from 'xstate';
import { emit, intentAction } from './emit.js';

export interface EnclaveInput {
  erase: boolean;
}

export interface EnclaveContext extends EnclaveInput {
  queue: number[];
  current: number | null;
  served: number;
}

export type EnclaveEvent =
  | { type: 'KEY_READY' }
  | { type: 'ATTEST_REQUEST'; ref: number }
  | { type: 'REQUEST'; ref: number }
  | { type: 'OPENED'; ref: number }
  | { type: 'OPEN_FAILED'; ref: number; code: string }
  | { type: 'INFERRED'; ref: number }
  | { type: 'SEALED'; ref: number }
  | { type: 'ERASED'; ref: number }
  | { type: 'RESET' };

type Ctx = EnclaveContext;
type Ev = EnclaveEvent;

export const enclaveMachine = setup({
  types: { context: {} as EnclaveContext, events: {} as EnclaveEvent, input: {} as EnclaveInput },
  actions: { intent: intentAction },
  guards: {
    hasQueued: ({ context }) => context.queue.length > 0,
    mine: ({ context, event }) => 'ref' in event && event.ref === context.current,
    erases: ({ context }) => context.erase,
  },
}).createMachine({
  id: 'enclave',
  context: ({ input }) => ({ ...input, queue: [], current: null, served: 0 }),
  initial: 'booting',
  on: {
    RESET: { target: '.booting', actions: assign({ queue: [], current: null }) },
    ATTEST_REQUEST: { actions: emit<Ctx, Ev>(({ event }) => ({ kind: 'produce-evidence', ref: (event as { ref: number }).ref })) },
  },
  states: {
    booting: {
      on: { KEY_READY: 'ready', REQUEST: { actions: assign({ queue: ({ context, event }) => [...context.queue, event.ref] }) } },
    },
    ready: {
      always: {
        guard: 'hasQueued',
        target: 'opening',
        actions: assign({ current: ({ context }) => context.queue[0]!, queue: ({ context }) => context.queue.slice(1) }),
      },
      on: { REQUEST: { target: 'opening', actions: assign({ current: ({ event }) => event.ref }) } },
    },
    opening: {
      entry: emit<Ctx, Ev>(({ context }) => ({ kind: 'open-request', ref: context.current! })),
      on: {
        REQUEST: { actions: assign({ queue: ({ context, event }) => [...context.queue, event.ref] }) },
        OPENED: { guard: 'mine', target: 'inferring' },
        OPEN_FAILED: { guard: 'mine', target: 'erasing' },
      },
    },
    inferring: {
      entry: emit<Ctx, Ev>(({ context }) => ({ kind: 'infer', ref: context.current! })),
      on: {
        REQUEST: { actions: assign({ queue: ({ context, event }) => [...context.queue, event.ref] }) },
        INFERRED: { guard: 'mine', target: 'sealing' },
      },
    },
    sealing: {
      entry: emit<Ctx, Ev>(({ context }) => ({ kind: 'seal-response', ref: context.current! })),
      on: {
        REQUEST: { actions: assign({ queue: ({ context, event }) => [...context.queue, event.ref] }) },
        SEALED: [{ guard: and(['mine', 'erases']), target: 'erasing' }, { guard: 'mine', target: 'ready', actions: assign({ current: null, served: ({ context }) => context.served + 1 }) }],
      },
    },
    erasing: {
      entry: emit<Ctx, Ev>(({ context }) => ({ kind: 'erase', ref: context.current!, all: false })),
      on: {
        REQUEST: { actions: assign({ queue: ({ context, event }) => [...context.queue, event.ref] }) },
        ERASED: { guard: 'mine', target: 'ready', actions: assign({ current: null, served: ({ context }) => context.served + 1 }) },
      },
    },
  },
});
