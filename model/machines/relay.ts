/**
 * The relay (PROTOCOL.md step 6): forwards encapsulated requests to the gateway without the
 * client's address, and responses back. It sees who talks and how much, never content.
 */
import { assign, setup } from 'xstate';
import { emit, intentAction } from './emit.js';

export interface RelayContext {
  forwarded: number;
  returned: number;
}

export type RelayEvent = { type: 'FROM_CLIENT'; ref: number } | { type: 'FROM_GATEWAY'; ref: number };

export const relayMachine = setup({
  types: { context: {} as RelayContext, events: {} as RelayEvent },
  actions: { intent: intentAction },
}).createMachine({
  id: 'relay',
  context: { forwarded: 0, returned: 0 },
  initial: 'forwarding',
  states: {
    forwarding: {
      on: {
        FROM_CLIENT: {
          actions: [emit<RelayContext, RelayEvent>(({ event }) => ({ kind: 'relay-forward', ref: event.ref })), assign({ forwarded: ({ context }) => context.forwarded + 1 })],
        },
        FROM_GATEWAY: {
          actions: [emit<RelayContext, RelayEvent>(({ event }) => ({ kind: 'relay-return', ref: event.ref })), assign({ returned: ({ context }) => context.returned + 1 })],
        },
      },
    },
  },
});
