/**
 * The transparency log's executor: serves the inclusion proof of a release entry with the latest
 * checkpoint, signed by the log and cosigned by its witnesses, and the consistency proofs from the
 * sizes it published before. The log grows during the run (sim/log-growth.ts): it appends release
 * entries on a schedule, re-publishes (re-signs, witnesses re-cosign) every LOG_REFRESH_MS, and
 * pushes each node that fetched a proof a fresh one, so every bundle a node makes carries a recent
 * checkpoint (docs/transparency.md).
 */
import { logMachine, type LogEvent } from '../../model/machines/log.js';
import type { Intent } from '../../model/intents.js';
import { LOG_GROWTH_MAX, LOG_GROWTH_MS, LOG_REFRESH_MS } from '../../model/log-policy.js';
import type { MachineActor } from '../actor.js';
import type { LogProofView } from '../adversary.js';
import type { ConsistencyStep, HonestLog } from '../log-growth.js';
import type { Message } from '../network.js';
import type { PartyPort } from '../port.js';
import { decodeBatch, encodeBatch, textOf, utf8 } from './common.js';

export interface LogConfig {
  growing: HonestLog;
  /** The log re-publishes until this virtual time (the world's work horizon) ... */
  untilMs: number;
  /** ... then while the simulation has anything else scheduled, up to this time (so a run quiesces). */
  capMs: number;
  busy: () => boolean;
}

/** The log runs on its port: the view it serves each node is a decision point (`log-view`). */
export class LogParty {
  readonly name: string;
  readonly address: string;
  readonly actor: MachineActor<LogEvent>;
  private readonly inbound = new Map<number, Message>();
  /** The nodes that asked for a proof, with their leaf: each refresh pushes them a fresh one. */
  private readonly subscribers = new Map<string, number>();

  constructor(private readonly port: PartyPort<LogConfig>) {
    this.name = port.name;
    this.address = port.address;
    this.actor = port.actor<LogEvent>(logMachine, undefined);
    port.listen((m) => {
      this.inbound.set(m.id, m);
      this.actor.send({ type: 'PROOF_REQUEST', ref: m.id });
    });
  }

  start(): void {
    this.actor.start((intent) => this.perform(intent));
    this.port.after(LOG_REFRESH_MS, 'refresh', () => this.refresh());
  }

  /** One refresh: append when a growth is due, re-publish, push every subscribed node its fresh proof. */
  private refresh(): void {
    const port = this.port;
    const g = port.config.growing;
    const now = port.nowMs();
    const size = g.log.size;
    if (g.growths < LOG_GROWTH_MAX && now >= (g.growths + 1) * LOG_GROWTH_MS) g.grow();
    const othersBusy = port.config.busy();
    g.publish(now);
    if (g.log.size !== size) port.note('log', `appended a release entry: checkpoint of size ${g.log.size}`, { size: g.log.size });
    for (const [to, leaf] of this.subscribers) this.serve(to, leaf, null);
    const { untilMs, capMs } = port.config;
    if (now + LOG_REFRESH_MS <= untilMs || (now + LOG_REFRESH_MS <= capMs && othersBusy)) port.after(LOG_REFRESH_MS, 'refresh', () => this.refresh());
  }

  private perform(intent: Intent): void {
    if (intent.kind !== 'log-serve') throw new Error(`log cannot perform ${intent.kind}`);
    const m = this.inbound.get(intent.ref);
    this.inbound.delete(intent.ref);
    if (!m || m.bytes.length !== 4) return;
    const index = ((m.bytes[0]! << 24) | (m.bytes[1]! << 16) | (m.bytes[2]! << 8) | m.bytes[3]!) >>> 0;
    if (index >= this.port.config.growing.log.size) return;
    this.subscribers.set(m.from, index);
    this.serve(m.from, index, m.id);
  }

  private serve(to: string, index: number, stream: number | null): void {
    const port = this.port;
    const g = port.config.growing;
    const log = g.log;
    const honest: LogProofView = { leafIndex: index, treeSize: log.size, proof: g.inclusionProof(index), checkpoint: g.checkpointNote, consistency: g.ladder() };
    // A `log` adversary may serve each node its own view (split view, rollback, freeze).
    const node = Number(/^node-(\d+)$/.exec(to)?.[1] ?? -1);
    const view = port.intercept('log-view', { node, honest });
    port.send(to, 'node-log', encodeProofResponse(view), 'proof-res', stream === null ? {} : { stream });
  }

  /** Host side: reads a proof response (total: null on malformed bytes). */
  parseProofResponse(bytes: Uint8Array): { leafIndex: number; treeSize: number; proof: Uint8Array[]; checkpoint: string; consistency: ConsistencyStep[] } | null {
    return parseProofResponse(bytes);
  }
}

/**
 * The wire form of a proof response: a 12-byte header (leaf index, tree size, number of inclusion
 * proof hashes), the inclusion proof, the checkpoint note, then one item per consistency step
 * (4-byte from-size, then its 32-byte hashes).
 */
export function encodeProofResponse(view: LogProofView): Uint8Array {
  const header = new Uint8Array(12);
  const dv = new DataView(header.buffer);
  dv.setUint32(0, view.leafIndex);
  dv.setUint32(4, view.treeSize);
  dv.setUint32(8, view.proof.length);
  const steps = (view.consistency ?? []).map((s) => {
    const item = new Uint8Array(4 + 32 * s.proof.length);
    new DataView(item.buffer).setUint32(0, s.fromSize);
    s.proof.forEach((h, i) => item.set(h, 4 + 32 * i));
    return item;
  });
  return encodeBatch([header, ...view.proof, utf8(view.checkpoint), ...steps]);
}

export function parseProofResponse(bytes: Uint8Array): { leafIndex: number; treeSize: number; proof: Uint8Array[]; checkpoint: string; consistency: ConsistencyStep[] } | null {
  try {
    const items = decodeBatch(bytes);
    if (items.length < 2 || items[0]!.length !== 12) return null;
    const dv = new DataView(items[0]!.buffer, items[0]!.byteOffset, 12);
    const n = dv.getUint32(8);
    if (items.length < 2 + n) return null;
    const consistency: ConsistencyStep[] = [];
    for (const item of items.slice(2 + n)) {
      if (item.length < 4 || (item.length - 4) % 32 !== 0) return null;
      const fromSize = new DataView(item.buffer, item.byteOffset, 4).getUint32(0);
      const proof: Uint8Array[] = [];
      for (let o = 4; o < item.length; o += 32) proof.push(item.slice(o, o + 32));
      consistency.push({ fromSize, proof });
    }
    return { leafIndex: dv.getUint32(0), treeSize: dv.getUint32(4), proof: items.slice(1, 1 + n), checkpoint: textOf(items[1 + n]!), consistency };
  } catch {
    return null;
  }
}
