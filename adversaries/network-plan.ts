/**
 * A plan of network actions on the links an adversary holds (THREATS.md `network:<link>` powers):
 * observe, delay, drop, duplicate, reorder, bit-flip, truncate, inject, replay any earlier
 * message on that link. fast-check draws the plan; its shrinker removes actions and moves their
 * targets towards the first messages, so a counterexample ends as a few actions on early messages.
 */
import fc from 'fast-check';
import type { Decision, Message } from '../sim/network.js';
import type { LinkName, Powers } from '../sim/adversary.js';

export const NET_OPS = ['drop', 'delay', 'duplicate', 'reorder', 'flip', 'truncate', 'replay', 'inject-garbage'] as const;
export type NetOp = (typeof NET_OPS)[number];

export interface NetAction {
  link: LinkName;
  /** Which message on that link (0 = the first one seen). */
  nth: number;
  op: NetOp;
  /** The op's parameter: delay in ms, bit index, kept length, which earlier message to replay. */
  arg: number;
}

export function netActionArb(links: readonly LinkName[], maxNth: number, ops: readonly NetOp[] = NET_OPS): fc.Arbitrary<NetAction> {
  return fc.record({
    link: fc.constantFrom(...links),
    nth: fc.nat({ max: maxNth }),
    op: fc.constantFrom(...ops),
    arg: fc.nat({ max: 1 << 20 }),
  });
}

export function netPlanArb(links: readonly LinkName[], maxNth: number, ops: readonly NetOp[] = NET_OPS, maxActions = 6): fc.Arbitrary<NetAction[]> {
  return fc.array(netActionArb(links, maxNth, ops), { minLength: 1, maxLength: maxActions });
}

/** Flips one bit (index taken modulo the length); a real attacker's single-bit tamper. */
export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  if (out.length === 0) return out;
  const i = bit % (out.length * 8);
  out[i >> 3]! ^= 1 << (i & 7);
  return out;
}

/**
 * Installs the plan: one tap per link, counting messages as they cross, keeping what it saw for
 * replays. Returns the history (the adversary's own recording).
 */
export function installNetPlan(powers: Powers, actions: readonly NetAction[], filter?: (m: Readonly<Message>) => boolean): Map<LinkName, Readonly<Message>[]> {
  const seen = new Map<LinkName, Readonly<Message>[]>();
  const links = [...new Set(actions.map((a) => a.link))];
  for (const link of links) {
    const mine = actions.filter((a) => a.link === link);
    const history: Readonly<Message>[] = [];
    seen.set(link, history);
    let count = 0;
    powers.tap(link, (m) => {
      if (filter && !filter(m)) return [];
      const n = count++;
      history.push(m);
      const out: Decision[] = [];
      for (const a of mine) {
        if (a.nth !== n) continue;
        out.push(...decide(powers, a, m, history));
      }
      return out;
    });
  }
  return seen;
}

function decide(powers: Powers, a: NetAction, m: Readonly<Message>, history: readonly Readonly<Message>[]): Decision[] {
  const note = (what: string) => powers.note(`${a.op} ${m.label}#${m.id} on ${m.link}`, { op: a.op, arg: a.arg, what });
  switch (a.op) {
    case 'drop':
      note('dropped');
      return [{ kind: 'drop' }];
    case 'delay':
      note('delayed');
      return [{ kind: 'delay', delayMs: 1 + (a.arg % 5_000) }];
    case 'reorder':
      note('held back past later messages');
      return [{ kind: 'delay', delayMs: 50 + (a.arg % 400) }];
    case 'duplicate':
      note('duplicated');
      return [{ kind: 'inject', to: m.to, bytes: m.bytes, label: `${m.label}-dup`, delayMs: a.arg % 200 }];
    case 'flip':
      note('bit flipped');
      return [{ kind: 'replace', bytes: flipBit(m.bytes, a.arg) }];
    case 'truncate':
      note('truncated');
      return [{ kind: 'replace', bytes: m.bytes.subarray(0, m.bytes.length === 0 ? 0 : a.arg % m.bytes.length) }];
    case 'replay': {
      const earlier = history.filter((h) => h.to === m.to && h.id !== m.id);
      if (earlier.length === 0) return [];
      const old = earlier[a.arg % earlier.length]!;
      note(`replayed ${old.label}#${old.id}`);
      return [{ kind: 'inject', to: m.to, bytes: old.bytes, label: `${old.label}-replay`, delayMs: a.arg % 100 }];
    }
    case 'inject-garbage': {
      const bytes = powers.rng.bytes(1 + (a.arg % 512));
      note('injected random bytes');
      return [{ kind: 'inject', to: m.to, bytes, label: `${m.label}-garbage`, delayMs: a.arg % 100 }];
    }
  }
}
