/**
 * Drives one XState machine with the pure `transition`: the simulator owns every effect. Each
 * event yields the next snapshot and the intents of the transition; the actor hands the intents
 * to its party's executor, which performs them and may answer with more events (queued, never
 * re-entrant, and bounded).
 */
import { initialTransition, transition, type AnyStateMachine, type AnyMachineSnapshot } from 'xstate';
import type { Intent } from '../model/intents.js';
import { intentsOf } from '../model/machines/emit.js';
import type { Trace } from './trace.js';
import type { SimClock } from './clock.js';
import { COVERAGE_ACTION, instrumented } from './coverage.js';

const MAX_EVENTS_PER_STEP = 10_000;

export type Executor = (intent: Intent) => void;

export class MachineActor<E extends { type: string }> {
  private snapshot: AnyMachineSnapshot;
  private readonly queue: E[] = [];
  private busy = false;
  private executor: Executor = () => {
    throw new Error(`actor ${this.name} has no executor`);
  };

  constructor(
    readonly name: string,
    private machine: AnyStateMachine,
    input: unknown,
    private readonly trace: Pick<Trace, 'append'>,
    private readonly clock: Pick<SimClock, 'nowMs'>,
    /** Transition hits of the run (sim/coverage.ts), counted per transition id. */
    private readonly coverage: Map<string, number> | null = null,
  ) {
    // The instrumented copy carries one no-op coverage action per transition (sim/coverage.ts).
    if (coverage) this.machine = instrumented(machine);
    const [snapshot, actions] = initialTransition(this.machine, input);
    this.snapshot = snapshot;
    if (coverage) this.count(actions as { type: string; params?: unknown }[]);
    this.pendingInitial = intentsOf(actions as { type: string; params?: unknown }[]);
  }

  private pendingInitial: Intent[];

  /** Connects the executor and performs the intents of the initial state. */
  start(executor: Executor): void {
    this.executor = executor;
    const initial = this.pendingInitial;
    this.pendingInitial = [];
    this.trace.append(this.clock.nowMs(), 'state', this.name, stateName(this.snapshot.value));
    this.runIntents(initial);
  }

  get state(): string {
    return stateName(this.snapshot.value);
  }

  get context(): Record<string, unknown> {
    return this.snapshot.context as Record<string, unknown>;
  }

  send(event: E): void {
    this.queue.push(event);
    if (this.busy) return;
    this.busy = true;
    try {
      let steps = 0;
      while (this.queue.length > 0) {
        if (++steps > MAX_EVENTS_PER_STEP) throw new Error(`actor ${this.name}: more than ${MAX_EVENTS_PER_STEP} events in one step`);
        this.step(this.queue.shift()!);
      }
    } finally {
      this.busy = false;
    }
  }

  private step(event: E): void {
    const before = stateName(this.snapshot.value);
    const [next, actions] = transition(this.machine, this.snapshot, event);
    if (this.coverage) this.count(actions as { type: string; params?: unknown }[]);
    // PITFALLS.md: a throwing transition leaves status 'error'; never continue silently.
    if (next.status === 'error') throw new Error(`actor ${this.name}: machine error on ${event.type}: ${String((next as { error?: unknown }).error)}`);
    this.snapshot = next;
    const after = stateName(next.value);
    if (after !== before) this.trace.append(this.clock.nowMs(), 'state', this.name, `${before} -> ${after}`, { on: event.type });
    this.runIntents(intentsOf(actions as { type: string; params?: unknown }[]));
  }

  private count(actions: ReadonlyArray<{ type: string; params?: unknown }>): void {
    for (const a of actions) {
      if (a.type !== COVERAGE_ACTION) continue;
      const id = (a.params as { id: string }).id;
      this.coverage!.set(id, (this.coverage!.get(id) ?? 0) + 1);
    }
  }

  private runIntents(intents: Intent[]): void {
    for (const intent of intents) this.executor(intent);
  }
}

export function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}.${stateName(v)}`)
      .join(',');
  }
  return String(value);
}
