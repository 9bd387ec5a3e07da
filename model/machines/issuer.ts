/**
 * The issuer (PROTOCOL.md step 2): sees the account at issuance and answers token requests;
 * never sees a redemption.
 */
import { assign, setup } from 'xstate';
import { emit, intentAction } from './emit.js';

export interface IssuerContext {
  issued: number;
}

export type IssuerEvent = { type: 'TOKEN_REQUEST'; ref: number };

export const issuerMachine = setup({
  types: { context: {} as IssuerContext, events: {} as IssuerEvent },
  actions: { intent: intentAction },
}).createMachine({
  id: 'issuer',
  context: { issued: 0 },
  initial: 'serving',
  states: {
    serving: {
      on: {
        TOKEN_REQUEST: { actions: [emit<IssuerContext, IssuerEvent>(({ event }) => ({ kind: 'issue-tokens', ref: event.ref })), assign({ issued: ({ context }) => context.issued + 1 })] },
      },
    },
  },
});
