/**
 * 8b. targeting-operator (THREATS.md `targeting`, from the operator's side): the operator (issuer
 * and gateway) controls f of N nodes (here: node 0, f = 1) and steers one chosen user's requests
 * to them. Its choice is a fact of the trace (`target`: the user, and the nodes of its `node:<i>`
 * positions), which the campaign's pooled non-targetability test reads. It holds the node as the
 * place its steering aims at; it does not read what the node decrypts (that damage is measured by
 * vendor-key-leak and malicious-image).
 *
 * How: give the user an issuance key of its own, so that at the gateway a token under that key
 * names the user; then drop that user's summarise requests addressed to any node but its own. A
 * retry re-picks a node; only the requests that picked its node get through. Defence: key
 * consistency (PROTOCOL.md step 3): the client refuses keys that are not the ones every client
 * gets, so no token of a tagged key is ever sent and the gateway cannot tell the chosen user's
 * requests from anyone's. (The network-side `targeting` adversary is adversaries/targeting.ts.)
 */
import fc from 'fast-check';
import type { Adversary } from '../sim/adversary.js';
import { generateIssuerKey } from '../protocol/tokens/type1-voprf.js';
import { decapsulateRequest } from '../protocol/ohttp.js';
import { decodeRequest } from '../protocol/bhttp.js';
import { parseToken } from '../protocol/tokens/token.js';
import { equalBytes } from '../protocol/bytes.js';
import { header } from '../sim/parties/common.js';

export interface OperatorTargetPlan {
  user: number;
  /** The most of the user's requests it drops (a cautious operator bounds the failures it causes). */
  drops: number;
}

/** The node this adversary holds (f = 1). */
export const TARGETING_NODE = 0;

export const targetingOperator: Adversary<OperatorTargetPlan> = {
  name: 'targeting-operator',
  description: "the operator tags one chosen user with an issuance key of its own and drops that user's requests to every node but the one it holds, so retries land there",
  positions: ['issuer', 'gateway', `node:${TARGETING_NODE}`],
  // On the baseline the client refuses the tagged key: the defence the attack meets.
  marks: ['client.evidence-rejected.key-consistency'],
  plan: (spec) => fc.record({ user: fc.nat({ max: spec.world.users - 1 }), drops: fc.integer({ min: 1, max: 2 * spec.world.requests + 2 }) }),
  install(powers, plan) {
    const target = `client-${plan.user}`;
    powers.declareTarget(target);
    const own = powers.public.enclaveNames[TARGETING_NODE]!;
    let tagKeyId: Uint8Array | null = null;
    let dropped = 0;
    powers.issuerKeyFor((user, honest) => {
      if (user !== target) return honest;
      const key = generateIssuerKey(powers.rng.fork(`target-tag-${user}`));
      tagKeyId = key.tokenKeyId;
      powers.note(`issuer key of its own for ${user}`);
      return key;
    });
    const gateway = powers.key('gateway-ohttp');
    powers.tap('relay-gateway', (m) => {
      if (m.label !== 'ohttp-req' || !tagKeyId) return [];
      try {
        // The operator opens the OHTTP layer with its own key, as its gateway does.
        const req = decodeRequest(decapsulateRequest(gateway, m.bytes).request);
        if (req.path.split('?')[0] !== '/summarise') return [];
        const auth = /^PrivateToken token=([A-Za-z0-9_-]+)$/.exec(header(req.headers, 'authorization') ?? '');
        if (!auth || !equalBytes(parseToken(new Uint8Array(Buffer.from(auth[1]!, 'base64url'))).tokenKeyId, tagKeyId)) return [];
        // pp names one node; pcc the nodes the request key is sealed to (the gateway picks one).
        const node = header(req.headers, 'pph-node') ?? header(req.headers, 'pph-nodes') ?? '';
        if (node.split(',').includes(own) || dropped >= plan.drops) return [];
        dropped++;
        powers.note(`dropped ${target}'s request to ${node} (tagged token; steering to ${own})`, { node });
        return [{ kind: 'drop' }];
      } catch {
        return [];
      }
    });
  },
};
