/** The issuer's executor (PROTOCOL.md step 2): evaluates blinded token requests for an account. */
import { decodeBatch, encodeBatch } from './common.js';
import { issue } from '../../protocol/tokens/type1-voprf.js';
import { parseTokenRequest } from '../../protocol/tokens/token-request.js';
import { encodeTokenResponse } from '../../protocol/tokens/token-response.js';
import type { Rng } from '../../protocol/rng.js';
import { issuerMachine, type IssuerEvent } from '../../model/machines/issuer.js';
import type { Intent } from '../../model/intents.js';
import { MachineActor } from '../actor.js';
import type { Message } from '../network.js';
import type { World } from '../world.js';
import { codeOf } from './client.js';

export class IssuerParty {
  readonly name = 'issuer';
  readonly address = 'issuer';
  readonly actor: MachineActor<IssuerEvent>;
  private readonly rng: Rng;
  private readonly inbound = new Map<number, Message>();

  constructor(private readonly world: World) {
    this.rng = world.rng.fork(this.name);
    this.actor = new MachineActor<IssuerEvent>(this.name, issuerMachine, undefined, world.trace, world.clock);
    world.network.attach(this.address, (m) => {
      world.view.held.push({ party: this.name, source: 'received', bytes: m.bytes, event: world.trace.count - 1 });
      this.inbound.set(m.id, m);
      this.actor.send({ type: 'TOKEN_REQUEST', ref: m.id });
    });
  }

  start(): void {
    this.actor.start((intent) => this.perform(intent));
  }

  private perform(intent: Intent): void {
    if (intent.kind !== 'issue-tokens') throw new Error(`issuer cannot perform ${intent.kind}`);
    const w = this.world;
    const m = this.inbound.get(intent.ref);
    this.inbound.delete(intent.ref);
    if (!m) return;
    try {
      // The account is the authenticated sender (PROTOCOL.md step 2): the issuer sees who, never what.
      const key = w.issuerKeyFor(m.from);
      const responses = decodeBatch(m.bytes).map((b) => encodeTokenResponse(issue(parseTokenRequest(b), key, this.rng)));
      w.trace.append(w.clock.nowMs(), 'token', this.name, `issued ${responses.length} tokens to ${m.from}`);
      w.network.send(this.address, m.from, 'client-issuer', encodeBatch(responses), 'token-res', m.id);
    } catch (e) {
      w.trace.append(w.clock.nowMs(), 'error', this.name, 'refused token request', { code: codeOf(e) });
    }
  }
}
