/**
 * The transparency log's executor: serves the inclusion proof of a release entry with the latest
 * checkpoint, signed by the log and cosigned by its witnesses.
 */
import { logMachine, type LogEvent } from '../../model/machines/log.js';
import type { Intent } from '../../model/intents.js';
import type { MachineActor } from '../actor.js';
import type { MerkleLog } from '../../protocol/tlog/log.js';
import type { Message } from '../network.js';
import type { PartyPort } from '../port.js';
import { decodeBatch, encodeBatch, textOf, utf8 } from './common.js';

/** The log runs on its port: the view it serves each node is a decision point (`log-view`). */
export class LogParty {
  readonly name: string;
  readonly address: string;
  readonly actor: MachineActor<LogEvent>;
  private readonly inbound = new Map<number, Message>();

  constructor(private readonly port: PartyPort<{ log: MerkleLog; checkpointNote: string }>) {
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
  }

  private perform(intent: Intent): void {
    if (intent.kind !== 'log-serve') throw new Error(`log cannot perform ${intent.kind}`);
    const port = this.port;
    const m = this.inbound.get(intent.ref);
    this.inbound.delete(intent.ref);
    if (!m || m.bytes.length !== 4) return;
    const index = ((m.bytes[0]! << 24) | (m.bytes[1]! << 16) | (m.bytes[2]! << 8) | m.bytes[3]!) >>> 0;
    const log = port.config.log;
    if (index >= log.size) return;
    const honest = { leafIndex: index, treeSize: log.size, proof: log.inclusionProof(index, log.size), checkpoint: port.config.checkpointNote };
    // A `log` adversary may serve each node its own view (split view, rollback).
    const node = Number(/^node-(\d+)$/.exec(m.from)?.[1] ?? -1);
    const view = port.intercept('log-view', { node, honest });
    const header = new Uint8Array(8);
    new DataView(header.buffer).setUint32(0, view.leafIndex);
    new DataView(header.buffer).setUint32(4, view.treeSize);
    port.send(m.from, 'node-log', encodeBatch([header, ...view.proof, utf8(view.checkpoint)]), 'proof-res', { stream: m.id });
  }

  /** Host side: reads a proof response (total: null on malformed bytes). */
  parseProofResponse(bytes: Uint8Array): { leafIndex: number; treeSize: number; proof: Uint8Array[]; checkpoint: string } | null {
    return parseProofResponse(bytes);
  }
}

/** Host side: reads a proof response (total: null on malformed bytes). */
export function parseProofResponse(bytes: Uint8Array): { leafIndex: number; treeSize: number; proof: Uint8Array[]; checkpoint: string } | null {
  try {
    const items = decodeBatch(bytes);
    if (items.length < 2 || items[0]!.length !== 8) return null;
    const dv = new DataView(items[0]!.buffer, items[0]!.byteOffset, 8);
    return { leafIndex: dv.getUint32(0), treeSize: dv.getUint32(4), proof: items.slice(1, -1), checkpoint: textOf(items[items.length - 1]!) };
  } catch {
    return null;
  }
}
