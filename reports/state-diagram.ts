/**
 * State diagrams of the XState machines, generated from their definitions (never drawn by hand,
 * so they cannot drift): walk `machine.root`, its child state nodes and each node's transitions
 * (`on`, `always`, `after`), and print mermaid `stateDiagram-v2`. Transitions without a target
 * (actions only) are listed in a note beside their state; transitions on the machine's root apply
 * in every state and hang off an "any state" node.
 */
import type { AnyStateMachine } from 'xstate';
import { clientMachine } from '../model/machines/client.js';
import { relayMachine } from '../model/machines/relay.js';
import { gatewayMachine } from '../model/machines/gateway.js';
import { hostMachine } from '../model/machines/host.js';
import { enclaveMachine } from '../model/machines/enclave.js';
import { issuerMachine } from '../model/machines/issuer.js';
import { logMachine } from '../model/machines/log.js';
import { mermaidId, mermaidLabel } from './mermaid-text.js';

/** The machines of the model, in the order of the request path (PROTOCOL.md steps 1-9). */
export const MODEL_MACHINES: readonly { name: string; machine: AnyStateMachine }[] = [
  { name: 'client', machine: clientMachine },
  { name: 'relay', machine: relayMachine },
  { name: 'gateway', machine: gatewayMachine },
  { name: 'host', machine: hostMachine },
  { name: 'enclave', machine: enclaveMachine },
  { name: 'issuer', machine: issuerMachine },
  { name: 'log', machine: logMachine },
];

/** The parts of an XState v5 StateNode this walk reads. */
interface NodeView {
  key: string;
  id: string;
  type: string;
  states: Record<string, NodeView>;
  initial?: { target?: readonly NodeView[] };
  transitions: Map<string, readonly TransitionView[]>;
  always?: readonly TransitionView[];
  parent?: NodeView;
}

interface TransitionView {
  target?: readonly NodeView[];
  guard?: unknown;
}

const ANY = 'any_state';

function guardText(guard: unknown): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') {
    // xstate's and/or/not combinators are functions carrying their operands in `.guards`.
    const operands = (guard as { guards?: unknown }).guards;
    if (Array.isArray(operands)) return `${guard.name || 'guard'}(${operands.map((g) => guardText(g) ?? 'guard').join(', ')})`;
    return guard.name || 'guard';
  }
  if (typeof guard === 'object' && 'type' in guard) {
    const g = guard as { type: unknown; params?: unknown };
    const params = typeof g.params === 'string' || typeof g.params === 'number' ? `(${g.params})` : '';
    return `${String(g.type)}${params}`;
  }
  return 'guard';
}

/** `xstate.after.1000.client.waiting` → `after 1000ms`; other event types stay as they are. */
function eventText(eventType: string): string {
  const after = /^xstate\.after\.(\d+)\./.exec(eventType);
  if (after) return `after ${after[1]}ms`;
  return eventType === '' ? 'always' : eventType;
}

function transitionLabel(eventType: string, t: TransitionView): string {
  const g = guardText(t.guard);
  return mermaidLabel(g ? `${eventText(eventType)} if ${g}` : eventText(eventType), 48);
}

/** A node's mermaid id: its path below the root, so nested keys cannot collide. */
function nodeId(node: NodeView): string {
  return mermaidId(node.id.split('.').slice(1).join('_') || node.key);
}

function allTransitions(node: NodeView): [string, TransitionView][] {
  const out: [string, TransitionView][] = [];
  for (const [event, ts] of node.transitions) for (const t of ts) out.push([event, t]);
  for (const t of node.always ?? []) out.push(['', t]);
  return out;
}

function walk(node: NodeView, from: string, indent: string, lines: string[]): void {
  const internal: string[] = [];
  for (const [event, t] of allTransitions(node)) {
    const targets = t.target ?? [];
    if (targets.length === 0) internal.push(transitionLabel(event, t));
    for (const target of targets) lines.push(`${indent}${from} --> ${nodeId(target)}: ${transitionLabel(event, t)}`);
  }
  if (internal.length > 0) {
    const unique = [...new Set(internal)];
    // One line per event: the gateway handles most of its events without changing state.
    lines.push(`${indent}note right of ${from}`, `${indent}  handled in place`, ...unique.map((u) => `${indent}  ${u}`), `${indent}end note`);
  }
}

function writeChildren(parent: NodeView, indent: string, lines: string[]): void {
  const initial = parent.initial?.target?.[0];
  if (initial) lines.push(`${indent}[*] --> ${nodeId(initial)}`);
  for (const child of Object.values(parent.states)) {
    const id = nodeId(child);
    if (Object.keys(child.states).length > 0) {
      lines.push(`${indent}state "${mermaidLabel(child.key, 40)}" as ${id} {`);
      writeChildren(child, indent + '  ', lines);
      lines.push(`${indent}}`);
    } else {
      lines.push(`${indent}state "${mermaidLabel(child.key, 40)}" as ${id}`);
    }
    if (child.type === 'final') lines.push(`${indent}${id} --> [*]`);
    walk(child, id, indent, lines);
  }
}

/**
 * Mermaid `stateDiagram-v2` source of an XState v5 machine.
 *
 * @example
 * const src = stateDiagram(enclaveMachine); // "stateDiagram-v2\n  [*] --> booting\n ..."
 */
export function stateDiagram(machine: AnyStateMachine): string {
  const root = machine.root as unknown as NodeView;
  const lines = ['stateDiagram-v2'];
  writeChildren(root, '  ', lines);
  if (allTransitions(root).length > 0) {
    lines.push(`  state "any state" as ${ANY}`);
    walk(root, ANY, '  ', lines);
  }
  return lines.join('\n') + '\n';
}

/** The state diagram of every machine of the model. */
export function modelStateDiagrams(): { name: string; source: string }[] {
  return MODEL_MACHINES.map(({ name, machine }) => ({ name, source: stateDiagram(machine) }));
}
