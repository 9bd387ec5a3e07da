/**
 * 5. malicious-gateway (THREATS.md): the operator's edge. Routes attest requests to nodes the
 * client did not choose, substitutes keys in evidence, withholds or replays answers, swaps answers
 * between users, and keeps every token it sees to link requests. Defences: the client's node
 * choice and REPORT_DATA binding, the response bound to the request, explicit errors on withholding.
 */
import fc from 'fast-check';
import type { Adversary } from '../sim/adversary.js';
import { NODE_MSG, nodeMessage } from '../sim/parties/common.js';
import { Forger } from './forge.js';

const OPS = ['route', 'substitute-key', 'withhold', 'swap', 'replay-answer'] as const;

export interface GatewayPlan {
  actions: { nth: number; op: (typeof OPS)[number]; arg: number }[];
}

export const maliciousGateway: Adversary<GatewayPlan> = {
  name: 'malicious-gateway',
  description: 'misroutes, substitutes keys, withholds, replays and swaps answers at the gateway',
  positions: ['gateway'],
  marks: ['client.evidence-rejected.node-choice', 'client.response-rejected'],
  plan: (spec) =>
    fc.record({
      actions: fc.array(fc.record({ nth: fc.nat({ max: 2 * spec.world.requests + 2 }), op: fc.constantFrom(...OPS), arg: fc.nat({ max: 1 << 16 }) }), { minLength: 1, maxLength: 6 }),
    }),
  install(powers, plan) {
    const forger = new Forger(powers);
    let attests = 0;
    let routed = 0;
    let answers = 0;
    const pastAnswers: Uint8Array[] = [];
    const act = (i: number, op: string) => plan.actions.find((a) => a.nth === i && a.op === op);
    powers.routeAttest((choice, nodes) => {
      const a = act(routed++, 'route');
      if (!a || nodes < 2) return choice;
      const other = (choice + 1 + (a.arg % (nodes - 1))) % nodes;
      powers.note(`routed attest to node-${other} instead of node-${choice}`);
      return other;
    });
    powers.onNodeReply((reply) => {
      if (reply.route === 'attest') {
        const i = attests++;
        if (act(i, 'substitute-key')) return forger.forge('key-substitution', reply, 0);
        forger.observe(reply.bytes);
        return reply.bytes;
      }
      const i = answers++;
      const mine = reply.bytes;
      let out = mine;
      if (act(i, 'withhold')) {
        powers.note('withheld an answer');
        out = nodeMessage(NODE_MSG.error, new TextEncoder().encode('withheld'));
      } else if (act(i, 'swap') && pastAnswers.length) {
        powers.note('answered with the previous request\'s answer');
        out = pastAnswers[pastAnswers.length - 1]!;
      } else if (act(i, 'replay-answer') && pastAnswers.length) {
        const a = act(i, 'replay-answer')!;
        powers.note('replayed an older answer');
        out = pastAnswers[a.arg % pastAnswers.length]!;
      }
      if (mine[0] === NODE_MSG.answer) pastAnswers.push(mine);
      return out;
    });
  },
};
