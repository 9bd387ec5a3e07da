/** The issuer's executor (PROTOCOL.md step 2): evaluates blinded token requests for an account. */
import { decodeBatch, encodeBatch, SimFormatError, textOf } from './common.js';
import { issue } from '../../protocol/tokens/type1-voprf.js';
import { parseTokenRequest } from '../../protocol/tokens/token-request.js';
import { encodeTokenResponse } from '../../protocol/tokens/token-response.js';
import type { VoprfIssuerKey } from '../../protocol/tokens/type1-voprf.js';
import { issuerMachine, type IssuerEvent } from '../../model/machines/issuer.js';
import type { Intent } from '../../model/intents.js';
import type { MachineActor } from '../actor.js';
import type { Message } from '../network.js';
import type { PartyPort } from '../port.js';
import { codeOf } from './client.js';

/** The issuer runs on its port: its key choice per account is a decision point (`issuer-key`). */
export class IssuerParty {
  readonly name: string;
  readonly address: string;
  readonly actor: MachineActor<IssuerEvent>;
  private readonly inbound = new Map<number, Message>();

  constructor(private readonly port: PartyPort<{ key: VoprfIssuerKey }>) {
    this.name = port.name;
    this.address = port.address;
    this.actor = port.actor<IssuerEvent>(issuerMachine, undefined);
    port.listen((m) => {
      port.observe('received', m.bytes, m.id, m.from);
      this.inbound.set(m.id, m);
      this.actor.send({ type: 'TOKEN_REQUEST', ref: m.id });
    });
  }

  start(): void {
    this.actor.start((intent) => this.perform(intent));
  }

  private perform(intent: Intent): void {
    if (intent.kind !== 'issue-tokens') throw new Error(`issuer cannot perform ${intent.kind}`);
    const port = this.port;
    const m = this.inbound.get(intent.ref);
    this.inbound.delete(intent.ref);
    if (!m) return;
    try {
      // The account is the authenticated sender (PROTOCOL.md step 2): the issuer sees who, never what.
      const key = port.intercept('issuer-key', { account: m.from, honest: port.config.key });
      const [account, ...requests] = decodeBatch(m.bytes);
      if (!account || !textOf(account).startsWith('account ')) throw new SimFormatError('account', 'token request names no account');
      const responses = requests.map((b) => encodeTokenResponse(issue(parseTokenRequest(b), key, port.rng)));
      port.note('token', `issued ${responses.length} tokens to ${m.from}`);
      port.send(m.from, 'client-issuer', encodeBatch(responses), 'token-res', { stream: m.id });
    } catch (e) {
      port.note('error', 'refused token request', { code: codeOf(e) });
    }
  }
}
