/**
 * The host around an enclave: the operator's machine. It moves ciphertext between the gateway and
 * the TEE, and can restart the node; it never sees enclave memory.
 */
import { assign, setup } from 'xstate';
import { emit, intentAction } from './emit.js';

export interface HostContext {
  generation: number;
  relayed: number;
}

export type HostEvent =
  | { type: 'FROM_GATEWAY'; ref: number }
  | { type: 'FROM_ENCLAVE'; ref: number }
  | { type: 'RESTART' }
  | { type: 'BOOTED' };

export const hostMachine = setup({
  types: { context: {} as HostContext, events: {} as HostEvent },
  actions: { intent: intentAction },
}).createMachine({
  id: 'host',
  context: { generation: 0, relayed: 0 },
  initial: 'booting',
  states: {
    booting: {
      entry: emit<HostContext, HostEvent>(({ context }) => ({ kind: 'boot', generation: context.generation })),
      on: {
        BOOTED: 'running',
        // Until the release proof is in, the enclave is not reachable: say so, drop nothing silently.
        FROM_GATEWAY: { actions: emit<HostContext, HostEvent>(({ event }) => ({ kind: 'host-refuse', ref: (event as { ref: number }).ref, code: 'booting' })) },
      },
    },
    running: {
      on: {
        FROM_GATEWAY: { actions: [emit<HostContext, HostEvent>(({ event }) => ({ kind: 'to-enclave', ref: (event as { ref: number }).ref })), assign({ relayed: ({ context }) => context.relayed + 1 })] },
        FROM_ENCLAVE: { actions: emit<HostContext, HostEvent>(({ event }) => ({ kind: 'from-enclave', ref: (event as { ref: number }).ref })) },
        RESTART: { target: 'booting', actions: assign({ generation: ({ context }) => context.generation + 1 }) },
      },
    },
  },
});
