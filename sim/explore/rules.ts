/**
 * Model rules of the symbolic model (issue 12 item 3, `pph explore`): every step and branch of
 * sim/explore/model.ts with a stable id, so an exploration can say which of them it reached.
 * These are *model rules*, not machine transitions: the symbolic model has no xstate machines
 * (sim/coverage.ts counts those, for the real simulator).
 *
 * A rule is one of:
 * - `step`: a party's ordinary step (the issuer issues, the relay forwards, the enclave opens);
 * - `defence`: a branch a profile's defence switch decides, taken with the defence on (the client
 *   rejects a foreign root with `chain-check`);
 * - `bypass`: the same condition met with the defence off (the forgery passes unchecked): a mutant
 *   reaches it, its baseline never does;
 * - `attack`: one op of an adversary's alphabet.
 *
 * Counting (sim/explore/explorer.ts): a World carries a counter array indexed by rule index; the
 * model increments a rule's counter where its branch is taken while generating successors (one
 * array increment, no allocation). A rule counts once per successor-generation that takes it,
 * whether or not the state it leads to was new.
 *
 * `transition`: the machine transition of sim/coverage.ts the rule is the same step as, only where
 * it plainly is (same party, same event, same guard outcome); most rules have none.
 */
import type { Ablation } from '../../model/profile.js';

export type RuleParty = 'client' | 'issuer' | 'relay' | 'gateway' | 'enclave' | 'host' | 'adversary';
export const RULE_PARTIES: readonly RuleParty[] = ['client', 'issuer', 'relay', 'gateway', 'enclave', 'host', 'adversary'];

export interface ModelRule {
  /** `<party>: <what>`, stable: the key of hits in explore.json. */
  id: string;
  party: RuleParty;
  kind: 'step' | 'defence' | 'bypass' | 'attack';
  /** Which base protocol's model has the rule (a pp world never takes a pcc rule). */
  base: 'pp' | 'pcc' | 'both';
  /** The defence switch (model/profile.ts) whose branch it is (defence and bypass rules). */
  defence?: Ablation;
  /** The adversaries whose alphabet has the op (attack rules, and steps only an adversary's action leads to). */
  adversaries?: readonly string[];
  /** The sim/coverage.ts transition id of the same step, where there plainly is one. */
  transition?: string;
}

const FORGERIES = ['foreign-root', 'swapped-cert', 'debug-policy', 'low-tcb', 'key-substitution', 'old-nonce', 'diversion', 'truncated', 'bitflip', 'malformed', 'unlogged-measurement', 'unsigned-report'] as const;

const r = (id: string, party: RuleParty, kind: ModelRule['kind'], base: ModelRule['base'], extra: Partial<ModelRule> = {}): ModelRule => ({ id: `${party}: ${id}`, party, kind, base, ...extra });
const REJECTED = 'client: verifying --EVIDENCE_REJECTED[isCurrent]--> idle';

/** Every model rule, in a fixed order (the counter array's index order). */
export const MODEL_RULES: readonly ModelRule[] = [
  // client: tokens (steps 2-3)
  r('asks the issuer for tokens', 'client', 'step', 'both', { transition: 'client: idle --(always)[needsTokens]--> fetchingTokens' }),
  r('takes the tokens', 'client', 'step', 'both', { transition: 'client: fetchingTokens --TOKENS_READY--> idle' }),
  r('ignores a token reply it no longer waits for', 'client', 'step', 'both'),
  r('refuses a per-user issuer key (key-consistency)', 'client', 'defence', 'both', { defence: 'key-consistency', adversaries: ['issuer-tagging'] }),
  r('takes a per-user issuer key (key-consistency off)', 'client', 'bypass', 'both', { defence: 'key-consistency', adversaries: ['issuer-tagging'] }),
  // client: a request (steps 4-5, 9)
  r('starts a request, picks a node, sends a fresh nonce', 'client', 'step', 'pp', { transition: 'client: idle --(always)[hasWork]--> attesting' }),
  r('fetches candidate keys', 'client', 'step', 'pcc', { transition: 'client: idle --(always)[hasWork]--> attesting' }),
  r('ignores evidence it no longer waits for', 'client', 'step', 'both'),
  r('step 4 rejects unparsable evidence', 'client', 'step', 'both', { transition: REJECTED }),
  r('step 4 rejects a foreign root (chain-check)', 'client', 'defence', 'both', { defence: 'chain-check', transition: REJECTED }),
  r('step 4 passes a foreign root (chain-check off)', 'client', 'bypass', 'both', { defence: 'chain-check' }),
  r('step 4 rejects a bad report signature (report-signature)', 'client', 'defence', 'both', { defence: 'report-signature', transition: REJECTED }),
  r('step 4 passes a bad report signature (report-signature off)', 'client', 'bypass', 'both', { defence: 'report-signature' }),
  r('step 4 rejects a debug policy (policy-check)', 'client', 'defence', 'both', { defence: 'policy-check', transition: REJECTED }),
  r('step 4 passes a debug policy (policy-check off)', 'client', 'bypass', 'both', { defence: 'policy-check' }),
  r('step 4 rejects an outdated TCB (tcb-check, tcb-from-report)', 'client', 'defence', 'both', { defence: 'tcb-from-report', transition: REJECTED }),
  r('step 4 passes an outdated TCB (tcb-check or tcb-from-report off)', 'client', 'bypass', 'both', { defence: 'tcb-from-report' }),
  r('step 4 rejects an unlogged measurement (measurement-log)', 'client', 'defence', 'both', { defence: 'measurement-log', transition: REJECTED }),
  r('step 4 passes an unlogged measurement (measurement-log off)', 'client', 'bypass', 'both', { defence: 'measurement-log' }),
  r('step 4 rejects a forked log view for want of witnesses (witness-cosignatures)', 'client', 'defence', 'both', { defence: 'witness-cosignatures', transition: REJECTED }),
  r('step 4 skips the witness check on a forked log view (witness-cosignatures off)', 'client', 'bypass', 'both', { defence: 'witness-cosignatures' }),
  r('step 4 rejects an inconsistent log view (log-consistency)', 'client', 'defence', 'both', { defence: 'log-consistency', transition: REJECTED }),
  r('step 4 passes an inconsistent log view (log-consistency off)', 'client', 'bypass', 'both', { defence: 'log-consistency' }),
  r('step 4 rejects REPORT_DATA not binding the key (report-binding)', 'client', 'defence', 'both', { defence: 'report-binding', transition: REJECTED }),
  r('step 4 passes REPORT_DATA not binding the key (report-binding off)', 'client', 'bypass', 'both', { defence: 'report-binding' }),
  r('step 4 rejects REPORT_DATA not binding its nonce (report-binding, client-nonce)', 'client', 'defence', 'pp', { defence: 'client-nonce', transition: REJECTED }),
  r('step 4 passes REPORT_DATA not binding its nonce (report-binding or client-nonce off)', 'client', 'bypass', 'pp', { defence: 'client-nonce' }),
  r('step 4 rejects an unreleased HOST_DATA (measured-config)', 'client', 'defence', 'both', { defence: 'measured-config', transition: REJECTED }),
  r('step 4 passes an unreleased HOST_DATA (measured-config off)', 'client', 'bypass', 'both', { defence: 'measured-config' }),
  r('step 4 rejects evidence of another node than it picked', 'client', 'step', 'pp', { transition: REJECTED }),
  r('accepts the evidence, seals the request', 'client', 'step', 'pp', { transition: 'client: verifying --EVIDENCE_OK[isCurrent]--> sending' }),
  r('refuses candidate keys of a past epoch', 'client', 'step', 'pcc'),
  r('caps the candidates it seals to at k (k-cap)', 'client', 'defence', 'pcc', { defence: 'k-cap' }),
  r('seals to more than k candidates (k-cap off)', 'client', 'bypass', 'pcc', { defence: 'k-cap' }),
  r('seals the request to its candidates', 'client', 'step', 'pcc'),
  r('ignores an answer it no longer waits for', 'client', 'step', 'both'),
  r('takes an explicit error', 'client', 'step', 'both'),
  r('rejects an answer to another request (response-binding)', 'client', 'defence', 'both', { defence: 'response-binding', transition: 'client: opening --RESPONSE_REJECTED[isCurrent]--> idle' }),
  r('takes an answer to another request (response-binding off)', 'client', 'bypass', 'both', { defence: 'response-binding' }),
  r('accepts the answer', 'client', 'step', 'both'),
  // issuer (step 2)
  r('issues tokens', 'issuer', 'step', 'both', { transition: 'issuer: serving --TOKEN_REQUEST--> (self)' }),
  r('ignores a token request it already answered', 'issuer', 'step', 'both'),
  // relay (step 6)
  r('forwards an attest request', 'relay', 'step', 'both', { transition: 'relay: forwarding --FROM_CLIENT--> (self)' }),
  r('relays evidence back', 'relay', 'step', 'both', { transition: 'relay: forwarding --FROM_GATEWAY--> (self)' }),
  r('forwards a request', 'relay', 'step', 'both', { transition: 'relay: forwarding --FROM_CLIENT--> (self)' }),
  r('relays an answer back', 'relay', 'step', 'both', { transition: 'relay: forwarding --FROM_GATEWAY--> (self)' }),
  // gateway (steps 4, 7)
  r('forwards an attest request to the node', 'gateway', 'step', 'pp'),
  r('answers a candidate fetch with the pre-attested keys', 'gateway', 'step', 'pcc'),
  r('relays the node\'s evidence', 'gateway', 'step', 'pp'),
  r('refuses a spent token (token-spend)', 'gateway', 'defence', 'both', { defence: 'token-spend', transition: 'gateway: serving --DOUBLE_SPEND[at(spending)]--> (self)' }),
  r('accepts a spent token again (token-spend off)', 'gateway', 'bypass', 'both', { defence: 'token-spend' }),
  r('spends the token, forwards the request to the node', 'gateway', 'step', 'pp'),
  r('spends the token, forwards the request to the first sealed node', 'gateway', 'step', 'pcc'),
  r('spends the token, has no sealed node to forward to', 'gateway', 'step', 'pcc'),
  r('relays the node\'s answer', 'gateway', 'step', 'both'),
  // enclave (steps 4, 8)
  r('answers an attest request with its evidence', 'enclave', 'step', 'pp', { transition: 'enclave: (root) --ATTEST_REQUEST--> (self)' }),
  r('cannot open: restarted, the key is gone', 'enclave', 'step', 'pp'),
  r('replay cache refuses a copy', 'enclave', 'step', 'pcc'),
  r('opens and answers', 'enclave', 'step', 'both'),
  r('opens a copy it already opened', 'enclave', 'step', 'pp'),
  r('erases the request state (state-erasure)', 'enclave', 'defence', 'both', { defence: 'state-erasure', transition: 'enclave: sealing --SEALED[and(mine,erases)]--> erasing' }),
  r('keeps the request state (state-erasure off)', 'enclave', 'bypass', 'both', { defence: 'state-erasure', transition: 'enclave: sealing --SEALED[mine]--> ready' }),
  // host
  r('collects the request log of an unmeasured configuration', 'host', 'step', 'both', { adversaries: ['unmeasured-input'] }),
  r('a restart reads what the node left behind', 'host', 'step', 'both', { adversaries: ['curious-host'] }),
  // adversary alphabets (each op once)
  r('feed-config', 'adversary', 'attack', 'both', { adversaries: ['unmeasured-input'] }),
  r('fork', 'adversary', 'attack', 'both', { adversaries: ['split-view-log'] }),
  r('restart', 'adversary', 'attack', 'both', { adversaries: ['curious-host'], transition: 'host: running --RESTART--> booting' }),
  r('drop', 'adversary', 'attack', 'both', { adversaries: ['malicious-relay', 'targeting'] }),
  r('duplicate', 'adversary', 'attack', 'both', { adversaries: ['malicious-relay', 'replay'] }),
  r('tag', 'adversary', 'attack', 'both', { adversaries: ['issuer-tagging'] }),
  r('route', 'adversary', 'attack', 'pp', { adversaries: ['malicious-gateway'] }),
  ...FORGERIES.map((k) => r(`forge:${k}`, 'adversary', 'attack', 'both', { adversaries: ['forged-quote'] })),
  r('restart-after', 'adversary', 'attack', 'pp', { adversaries: ['forged-quote'] }),
  r('substitute-key', 'adversary', 'attack', 'pp', { adversaries: ['malicious-gateway'] }),
  r('withhold', 'adversary', 'attack', 'both', { adversaries: ['malicious-gateway'] }),
  r('swap', 'adversary', 'attack', 'both', { adversaries: ['malicious-gateway'] }),
  r('offer:all', 'adversary', 'attack', 'pcc', { adversaries: ['k-inflation'] }),
  r('offer:duplicates', 'adversary', 'attack', 'pcc', { adversaries: ['k-inflation'] }),
  r('offer:stale', 'adversary', 'attack', 'pcc', { adversaries: ['k-inflation'] }),
  r('the operator\'s rogue node opens a request sealed to its key', 'adversary', 'step', 'both', { adversaries: ['forged-quote', 'malicious-gateway'] }),
];

const INDEX = new Map(MODEL_RULES.map((x, i) => [x.id, i]));
/** The counter index of rule `id` (throws on an unknown id: a typo is a bug, not a silent zero). */
export function ruleIndex(id: string): number {
  const i = INDEX.get(id);
  if (i === undefined) throw new RangeError(`unknown model rule ${JSON.stringify(id)}`);
  return i;
}
if (INDEX.size !== MODEL_RULES.length) throw new Error('model rule ids are not unique');

/** Counter indexes, by short name, used by sim/explore/model.ts. */
const ix = (id: string) => ruleIndex(id);
export const RU = {
  tokAsk: ix('client: asks the issuer for tokens'),
  tokTake: ix('client: takes the tokens'),
  tokIgnore: ix('client: ignores a token reply it no longer waits for'),
  tokKeyRefuse: ix('client: refuses a per-user issuer key (key-consistency)'),
  tokKeyTake: ix('client: takes a per-user issuer key (key-consistency off)'),
  startPp: ix('client: starts a request, picks a node, sends a fresh nonce'),
  startPcc: ix('client: fetches candidate keys'),
  evIgnore: ix('client: ignores evidence it no longer waits for'),
  rejParse: ix('client: step 4 rejects unparsable evidence'),
  rejChain: ix('client: step 4 rejects a foreign root (chain-check)'),
  passChain: ix('client: step 4 passes a foreign root (chain-check off)'),
  rejSig: ix('client: step 4 rejects a bad report signature (report-signature)'),
  passSig: ix('client: step 4 passes a bad report signature (report-signature off)'),
  rejDebug: ix('client: step 4 rejects a debug policy (policy-check)'),
  passDebug: ix('client: step 4 passes a debug policy (policy-check off)'),
  rejTcb: ix('client: step 4 rejects an outdated TCB (tcb-check, tcb-from-report)'),
  passTcb: ix('client: step 4 passes an outdated TCB (tcb-check or tcb-from-report off)'),
  rejMeas: ix('client: step 4 rejects an unlogged measurement (measurement-log)'),
  passMeas: ix('client: step 4 passes an unlogged measurement (measurement-log off)'),
  rejWitness: ix('client: step 4 rejects a forked log view for want of witnesses (witness-cosignatures)'),
  passWitness: ix('client: step 4 skips the witness check on a forked log view (witness-cosignatures off)'),
  rejLog: ix('client: step 4 rejects an inconsistent log view (log-consistency)'),
  passLog: ix('client: step 4 passes an inconsistent log view (log-consistency off)'),
  rejBindKey: ix('client: step 4 rejects REPORT_DATA not binding the key (report-binding)'),
  passBindKey: ix('client: step 4 passes REPORT_DATA not binding the key (report-binding off)'),
  rejBindNonce: ix('client: step 4 rejects REPORT_DATA not binding its nonce (report-binding, client-nonce)'),
  passBindNonce: ix('client: step 4 passes REPORT_DATA not binding its nonce (report-binding or client-nonce off)'),
  rejHost: ix('client: step 4 rejects an unreleased HOST_DATA (measured-config)'),
  passHost: ix('client: step 4 passes an unreleased HOST_DATA (measured-config off)'),
  rejNode: ix('client: step 4 rejects evidence of another node than it picked'),
  evAccept: ix('client: accepts the evidence, seals the request'),
  pccStale: ix('client: refuses candidate keys of a past epoch'),
  kCap: ix('client: caps the candidates it seals to at k (k-cap)'),
  kCapOff: ix('client: seals to more than k candidates (k-cap off)'),
  pccSeal: ix('client: seals the request to its candidates'),
  ansIgnore: ix('client: ignores an answer it no longer waits for'),
  ansError: ix('client: takes an explicit error'),
  ansRejOther: ix('client: rejects an answer to another request (response-binding)'),
  ansTakeOther: ix('client: takes an answer to another request (response-binding off)'),
  ansAccept: ix('client: accepts the answer'),
  issue: ix('issuer: issues tokens'),
  issueIgnore: ix('issuer: ignores a token request it already answered'),
  relayAttReq: ix('relay: forwards an attest request'),
  relayAttRes: ix('relay: relays evidence back'),
  relayReq: ix('relay: forwards a request'),
  relayRes: ix('relay: relays an answer back'),
  gwAttReq: ix('gateway: forwards an attest request to the node'),
  gwCandidates: ix('gateway: answers a candidate fetch with the pre-attested keys'),
  gwEvidence: ix("gateway: relays the node's evidence"),
  gwSpentRefuse: ix('gateway: refuses a spent token (token-spend)'),
  gwSpentAccept: ix('gateway: accepts a spent token again (token-spend off)'),
  gwForward: ix('gateway: spends the token, forwards the request to the node'),
  gwForwardPcc: ix('gateway: spends the token, forwards the request to the first sealed node'),
  gwNoNode: ix('gateway: spends the token, has no sealed node to forward to'),
  gwAnswer: ix("gateway: relays the node's answer"),
  enAttest: ix('enclave: answers an attest request with its evidence'),
  enKeyGone: ix('enclave: cannot open: restarted, the key is gone'),
  enReplayCache: ix('enclave: replay cache refuses a copy'),
  enOpen: ix('enclave: opens and answers'),
  enOpenAgain: ix('enclave: opens a copy it already opened'),
  enErase: ix('enclave: erases the request state (state-erasure)'),
  enKeep: ix('enclave: keeps the request state (state-erasure off)'),
  hostLog: ix('host: collects the request log of an unmeasured configuration'),
  hostResidue: ix('host: a restart reads what the node left behind'),
  feedConfig: ix('adversary: feed-config'),
  fork: ix('adversary: fork'),
  restart: ix('adversary: restart'),
  drop: ix('adversary: drop'),
  duplicate: ix('adversary: duplicate'),
  tag: ix('adversary: tag'),
  route: ix('adversary: route'),
  forge0: ix('adversary: forge:foreign-root'),
  restartAfter: ix('adversary: restart-after'),
  substituteKey: ix('adversary: substitute-key'),
  withhold: ix('adversary: withhold'),
  swap: ix('adversary: swap'),
  offer0: ix('adversary: offer:all'),
  rogueOpens: ix("adversary: the operator's rogue node opens a request sealed to its key"),
} as const;

/** A fresh counter array, one slot per rule. */
export const newRuleHits = (): Uint32Array => new Uint32Array(MODEL_RULES.length);

/** Coverage of the model rules of one party. */
export interface PartyRuleCoverage {
  party: RuleParty;
  total: number;
  reached: number;
  percent: number;
  /** The party's rules no exploration took, in rule order. */
  never: string[];
}

/** Model-rule coverage of an exploration (one profile): explore.json `modelCoverage`. */
export interface ModelRuleCoverage {
  /** Rules of the profile's base protocol (pp or pcc); the other base's rules are not counted. */
  base: 'pp' | 'pcc';
  rules: { total: number; reached: number; percent: number };
  parties: PartyRuleCoverage[];
  /** Hits per rule id (reached ones only, in rule order). */
  hits: Record<string, number>;
  /** The rules of the adversaries this exploration did not search (a subset of the never-reached ones). */
  notExplored: string[];
  /** Rule id → sim/coverage.ts transition id, for the reached rules that have one. */
  transitions: Record<string, string>;
}

const pct = (a: number, b: number) => (b === 0 ? 100 : Math.round((a / b) * 1000) / 10);

/** Aggregates counter arrays (summed over explorations) into per-party rule coverage. */
export function ruleCoverageOf(hits: ArrayLike<number>, base: 'pp' | 'pcc', explored: readonly string[]): ModelRuleCoverage {
  const idx = MODEL_RULES.map((rule, i) => ({ rule, i })).filter(({ rule }) => rule.base === 'both' || rule.base === base);
  const n = (i: number) => hits[i] ?? 0;
  const parties = RULE_PARTIES.map((party) => {
    const mine = idx.filter(({ rule }) => rule.party === party);
    const reached = mine.filter(({ i }) => n(i) > 0).length;
    return { party, total: mine.length, reached, percent: pct(reached, mine.length), never: mine.filter(({ i }) => n(i) === 0).map(({ rule }) => rule.id) };
  });
  const total = parties.reduce((a, p) => a + p.total, 0);
  const reached = parties.reduce((a, p) => a + p.reached, 0);
  const reachedRules = idx.filter(({ i }) => n(i) > 0);
  return {
    base,
    rules: { total, reached, percent: pct(reached, total) },
    parties,
    hits: Object.fromEntries(reachedRules.map(({ rule, i }) => [rule.id, n(i)])),
    notExplored: idx.filter(({ rule, i }) => n(i) === 0 && rule.adversaries !== undefined && !rule.adversaries.some((a) => explored.includes(a))).map(({ rule }) => rule.id),
    transitions: Object.fromEntries(reachedRules.filter(({ rule }) => rule.transition).map(({ rule }) => [rule.id, rule.transition!])),
  };
}
