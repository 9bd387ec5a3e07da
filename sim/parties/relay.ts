/**
 * The relay's executor (PROTOCOL.md step 6): forwards each encapsulated request to the gateway
 * under its own address and returns the answer on the same stream. It logs what a real relay
 * would: client address, sizes, timing, ciphertext.
 */
import { relayMachine, type RelayEvent } from '../../model/machines/relay.js';
import type { Intent } from '../../model/intents.js';
import type { MachineActor } from '../actor.js';
import type { Message } from '../network.js';
import type { PartyPort } from '../port.js';

export interface RelayConfig {
  /** Planted bug `relayForwardsClientAddress`: tells the gateway, beside message `id`, who sent it. */
  leakAddress: ((id: number, address: string) => void) | null;
}

/** The relay runs on its port: it never sees the world. */
export class RelayParty {
  readonly name: string;
  readonly address: string;
  readonly actor: MachineActor<RelayEvent>;
  private readonly inbound = new Map<number, Message>();
  /** Forwarded message id → the client message it carries. */
  private readonly streams = new Map<number, Message>();

  constructor(private readonly port: PartyPort<RelayConfig>) {
    this.name = port.name;
    this.address = port.address;
    this.actor = port.actor<RelayEvent>(relayMachine, undefined);
    port.listen((m) => this.receive(m));
  }

  start(): void {
    this.actor.start((intent) => this.perform(intent));
  }

  private receive(m: Message): void {
    // The relay's knowledge: every byte it receives, and the client's network address.
    this.port.observe('received', m.bytes, m.id, m.link === 'client-relay' ? m.from : null);
    this.inbound.set(m.id, m);
    if (m.link === 'client-relay') {
      this.actor.send({ type: 'FROM_CLIENT', ref: m.id });
    } else {
      this.actor.send({ type: 'FROM_GATEWAY', ref: m.id });
    }
  }

  private perform(intent: Intent): void {
    const port = this.port;
    if (intent.kind === 'relay-forward') {
      const m = this.inbound.get(intent.ref);
      if (!m) return;
      this.inbound.delete(intent.ref);
      const fwd = port.send(port.directory.gateway, 'relay-gateway', m.bytes, m.label, { carries: m.id });
      port.config.leakAddress?.(fwd.id, m.from);
      this.streams.set(fwd.id, m);
      return;
    }
    if (intent.kind === 'relay-return') {
      const m = this.inbound.get(intent.ref);
      if (!m) return;
      this.inbound.delete(intent.ref);
      const origin = m.stream === undefined ? undefined : this.streams.get(m.stream);
      if (!origin) return;
      this.streams.delete(m.stream!);
      port.send(origin.from, 'client-relay', m.bytes, m.label, { stream: origin.id });
      return;
    }
    throw new Error(`relay cannot perform ${intent.kind}`);
  }
}
