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

/** The issuer's configuration: its key, and its per-account limit (null: the `rate-limit` ablation, no limit). */
export interface IssuerConfig {
  key: VoprfIssuerKey;
  limit: { tokens: number; windowMs: number } | null;
}

/**
 * The issuer runs on its port: its key choice per account is a decision point (`issuer-key`). It
 * counts the tokens it evaluated per account in fixed windows of virtual time
 * [k·windowMs, (k+1)·windowMs) and refuses a token request that would take the account past its
 * limit (PROTOCOL.md step 2: issuance is rate-limited per account).
 */
export class IssuerParty {
  readonly name: string;
  readonly address: string;
  readonly actor: MachineActor<IssuerEvent>;
  private readonly inbound = new Map<number, Message>();
  /** Tokens evaluated per account in the current window: account → [window, count]. */
  private readonly spentInWindow = new Map<string, [number, number]>();

  constructor(private readonly port: PartyPort<IssuerConfig>) {
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
      const limit = port.config.limit;
      if (limit) {
        const window = Math.floor(port.nowMs() / limit.windowMs);
        const [w, n] = this.spentInWindow.get(m.from) ?? [window, 0];
        const used = w === window ? n : 0;
        if (used + requests.length > limit.tokens) {
          port.mark('issuer.rate-limited');
          throw new SimFormatError('rate-limited', `${m.from} asked for ${requests.length} tokens with ${used} of ${limit.tokens} already issued in this window`);
        }
        this.spentInWindow.set(m.from, [window, used + requests.length]);
      }
      const responses = requests.map((b) => encodeTokenResponse(issue(parseTokenRequest(b), key, port.rng)));
      port.fact('issuance', { account: m.from, count: responses.length, atMs: port.nowMs() }, `evaluated ${responses.length} token requests for ${m.from}`);
      port.note('token', `issued ${responses.length} tokens to ${m.from}`);
      port.send(m.from, 'client-issuer', encodeBatch(responses), 'token-res', { stream: m.id });
    } catch (e) {
      port.note('error', 'refused token request', { code: codeOf(e) });
    }
  }
}
