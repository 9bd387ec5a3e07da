/**
 * The relay's executor (PROTOCOL.md step 6): forwards each encapsulated request to the gateway
 * under its own address and returns the answer on the same stream. It logs what a real relay
 * would: client address, sizes, timing, ciphertext.
 */
import { relayMachine, type RelayEvent } from '../../model/machines/relay.js';
import type { Intent } from '../../model/intents.js';
import { MachineActor } from '../actor.js';
import type { Message } from '../network.js';
import type { World } from '../world.js';

export class RelayParty {
  readonly name = 'relay';
  readonly address = 'relay';
  readonly actor: MachineActor<RelayEvent>;
  private readonly inbound = new Map<number, Message>();
  /** Forwarded message id → the client message it carries. */
  private readonly streams = new Map<number, Message>();

  constructor(private readonly world: World) {
    this.actor = new MachineActor<RelayEvent>(this.name, relayMachine, undefined, world.trace, world.clock);
    world.network.attach(this.address, (m) => this.receive(m));
  }

  start(): void {
    this.actor.start((intent) => this.perform(intent));
  }

  private receive(m: Message): void {
    const w = this.world;
    w.view.held.push({ party: this.name, source: 'received', bytes: m.bytes, event: w.trace.count - 1 });
    this.inbound.set(m.id, m);
    if (m.link === 'client-relay') {
      const requestId = w.provenance.get(m.id);
      if (requestId) w.view.exposures.push({ party: this.name, requestId, kind: 'who', label: `address ${m.from}`, event: w.trace.count - 1 });
      // Unpadded, the ciphertext size is the content's length to the byte: the relay learns what (step 5).
      if (requestId && m.label === 'ohttp-req' && !w.defences.padding) {
        w.view.exposures.push({ party: this.name, requestId, kind: 'what', label: `content length ${m.bytes.length} B`, event: w.trace.count - 1 });
      }
      this.actor.send({ type: 'FROM_CLIENT', ref: m.id });
    } else {
      this.actor.send({ type: 'FROM_GATEWAY', ref: m.id });
    }
  }

  private perform(intent: Intent): void {
    const w = this.world;
    if (intent.kind === 'relay-forward') {
      const m = this.inbound.get(intent.ref);
      if (!m) return;
      this.inbound.delete(intent.ref);
      const fwd = w.network.send(this.address, w.gateway.address, 'relay-gateway', m.bytes, m.label);
      const requestId = w.provenance.get(m.id);
      if (requestId) w.provenance.set(fwd.id, requestId);
      if (w.bugs.relayForwardsClientAddress) w.gateway.leakedAddress(fwd.id, m.from);
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
      w.network.send(this.address, origin.from, 'client-relay', m.bytes, m.label, origin.id);
      return;
    }
    throw new Error(`relay cannot perform ${intent.kind}`);
  }
}
