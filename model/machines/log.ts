/**
 * The transparency log and its witnesses (PROTOCOL.md step 0 and 4): appends release entries,
 * publishes checkpoints cosigned by witnesses, serves inclusion and consistency proofs.
 */
import { assign, setup } from 'xstate';
import { emit, intentAction } from './emit.js';

export interface LogContext {
  entries: number;
  served: number;
}

export type LogEvent = { type: 'APPEND'; ref: number } | { type: 'PROOF_REQUEST'; ref: number };

export const logMachine = setup({
  types: { context: {} as LogContext, events: {} as LogEvent },
  actions: { intent: intentAction },
}).createMachine({
  id: 'log',
  context: { entries: 0, served: 0 },
  initial: 'serving',
  states: {
    serving: {
      on: {
        APPEND: { actions: [emit<LogContext, LogEvent>(({ event }) => ({ kind: 'log-append', ref: event.ref })), assign({ entries: ({ context }) => context.entries + 1 })] },
        PROOF_REQUEST: { actions: [emit<LogContext, LogEvent>(({ event }) => ({ kind: 'log-serve', ref: event.ref })), assign({ served: ({ context }) => context.served + 1 })] },
      },
    },
  },
});
