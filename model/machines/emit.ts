/**
 * `emit(fn)` turns a function of (context, event) into an xstate action that carries an intent as
 * its params. The action does nothing when executed: the simulator reads the intent from the
 * actions that `transition` returns and performs it.
 */
import type { Intent } from '../intents.js';

export interface EmitArgs<C, E> {
  context: C;
  event: E;
}

export function emit<C, E>(fn: (args: EmitArgs<C, E>) => Intent) {
  return { type: 'intent' as const, params: fn };
}

/** The no-op implementation every machine registers for `intent` actions. */
export const intentAction = (_: unknown, _params: Intent): void => {};

/** Pulls the intents out of the actions returned by xstate's pure `transition`. */
export function intentsOf(actions: ReadonlyArray<{ type: string; params?: unknown }>): Intent[] {
  const out: Intent[] = [];
  for (const a of actions) if (a.type === 'intent' && a.params) out.push(a.params as Intent);
  return out;
}
