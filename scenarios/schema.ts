/**
 * The scenario schema: what a `scenarios/*.yaml` file may say, its defaults, its cross-field rules,
 * and the normal form every other module reads (ARCHITECTURE.md: `scenario.yaml ──load+validate──▶ Scenario`).
 *
 * Every object is strict, so a typo'd key is an error rather than a silently ignored setting. Every
 * field has a default, so `name: x` alone is a valid scenario (the small world of `default.yaml`,
 * minus its restart). Error messages are written to be read after `file:line: field: `; the loader
 * appends `, got <value>`.
 */
import { z } from 'zod';
import { INVARIANT_IDS, type InvariantId } from '../model/invariant-ids.js';
import { ABLATION_NAMES, PROFILES, type Ablation } from '../model/profile.js';
import { ANSWERED_MESSAGE, parseAnswered } from './goodput.js';

/** An integer in [min, max], with messages that read `expected integer ≤ 64`. */
function intIn(min: number, max: number) {
  return z
    .int({ error: 'expected integer' })
    .min(min, { error: `expected integer ≥ ${min}` })
    .max(max, { error: `expected integer ≤ ${max}` });
}

/** A probability in [0, max]. */
function probability(max: number) {
  return z
    .number({ error: 'expected number' })
    .min(0, { error: 'expected number ≥ 0' })
    .max(max, { error: `expected number ≤ ${max}` });
}

/** A list of `item` whose length is at most `max` (a limit on everything, STYLE.md habit 5). */
function listOf<T extends z.ZodType>(item: T, max: number) {
  return z.array(item, { error: 'expected a list' }).max(max, { error: `expected at most ${max} items` });
}

/**
 * Bounds of the world. Names carry units last (STYLE.md habit 6). The work bounds (requests,
 * tokens issued, chat messages) are set so that the largest world the schema accepts runs in about
 * a minute of CPU (measured, docs/limits.md); `pph run --time-limit S` stops anything longer.
 */
export const LIMITS = {
  usersMax: 1000,
  chatsMax: 10_000,
  messagesPerChatMax: 500,
  /** world.chats × world.messagesPerChat: the generated chat history (about 0.17 ms of CPU a message). */
  chatMessagesMax: 50_000,
  nodesMax: 64,
  /** About 20 ms of CPU a request, besides its token. */
  requestsMax: 300,
  tokensPerUserMax: 300,
  /**
   * min(users − optedOutUsers, requests) × tokensPerUser: the first batch of every user who sends a
   * request (about 45 ms of CPU a token, VOPRF issuance with its DLEQ proof).
   */
  tokenBatchesMax: 300,
  witnessesMax: 32,
  delayMsMax: 60_000,
  lossMax: 0.5,
  duplicateMax: 0.5,
  requestTimeoutMsMax: 600_000,
  retriesMax: 20,
  faultsMax: 1000,
  adversariesMax: 64,
  maxEventsMax: 100_000_000,
  maxTimeMsMax: 86_400_000,
} as const;

export const NAME_PATTERN = /^[a-z0-9-]+$/;
const NAME_MESSAGE = 'expected a name of lowercase letters, digits and dashes ([a-z0-9-]+)';

/** What a scenario expects of one invariant. */
export const EXPECTATIONS = ['holds', 'violated'] as const;
export type Expectation = (typeof EXPECTATIONS)[number];

const ProfileSchema = z.enum(PROFILES, { error: `expected one of: ${PROFILES.join(', ')}` });
const AblationSchema = z.enum(ABLATION_NAMES as [Ablation, ...Ablation[]], {
  error: `expected an ablation, one of: ${ABLATION_NAMES.join(', ')}`,
});
const InvariantIdSchema = z.enum(INVARIANT_IDS, {
  error: `expected an invariant id, one of: ${INVARIANT_IDS.join(', ')}`,
});
const ExpectationSchema = z.enum(EXPECTATIONS, { error: `expected one of: ${EXPECTATIONS.join(', ')}` });

/** The population and the deployment (PROTOCOL.md "Parties"). */
export const WorldSchema = z.strictObject(
  {
    users: intIn(1, LIMITS.usersMax).default(4),
    /** Total chats, distributed over users round-robin. */
    chats: intIn(1, LIMITS.chatsMax).default(10),
    /** Chats a user excluded from the feature (PROTOCOL.md step 1, invariant `consent`). */
    excludedChats: intIn(0, LIMITS.chatsMax).default(2),
    /** Users who never turned the feature on (step 1). */
    optedOutUsers: intIn(0, LIMITS.usersMax - 1).default(1),
    messagesPerChat: intIn(1, LIMITS.messagesPerChatMax).default(12),
    /** Enclave nodes. */
    nodes: intIn(1, LIMITS.nodesMax).default(3),
    /** Node indices that boot an image whose measurement is not in the log; clients must refuse them (step 4). */
    unloggedNodes: listOf(intIn(0, LIMITS.nodesMax - 1), LIMITS.nodesMax).default([]),
    /** Summarise requests issued over the run. */
    requests: intIn(0, LIMITS.requestsMax).default(40),
    /** Token batch size at issuance (step 2). */
    tokensPerUser: intIn(1, LIMITS.tokensPerUserMax).default(20),
    /**
     * The issuer's per-account limit (step 2): at most `tokens` tokens per account in each window
     * of `windowMs` virtual ms (windows [k·windowMs, (k+1)·windowMs)). Default: tokens =
     * 2 × tokensPerUser + requests × (retries + 1), more than any honest user can ever need, and
     * windowMs = 60000 (docs/invariants.md, `authorization`).
     */
    issuanceLimit: z
      .strictObject({ tokens: intIn(1, LIMITS.tokensPerUserMax * 1000).optional(), windowMs: intIn(1, LIMITS.maxTimeMsMax).optional() }, { error: 'expected a mapping { tokens, windowMs }' })
      .optional(),
    /** Log witnesses, and the k of them whose cosignatures a checkpoint needs (step 4). */
    witnesses: intIn(1, LIMITS.witnessesMax).default(3),
    witnessQuorum: intIn(1, LIMITS.witnessesMax).default(2),
    /**
     * Long-term key material per scenario instead of per run: with a key seed, the gateway's OHTTP
     * key, the issuer key, the vendor and its chips, the log and witness keys come from this seed,
     * so every run of a campaign or matrix shares one deployment (and pays for its keys once).
     * Absent (the default): each run derives fresh keys from its own seed.
     */
    keySeed: intIn(0, 2 ** 32 - 1).optional(),
  },
  { error: 'expected a mapping' },
);

/** Benign network faults, drawn per message from the run's Rng. */
export const NetworkSchema = z.strictObject(
  {
    delayMs: z
      .strictObject(
        { min: intIn(0, LIMITS.delayMsMax).default(2), max: intIn(0, LIMITS.delayMsMax).default(30) },
        { error: 'expected a mapping' },
      )
      .prefault({}),
    loss: probability(LIMITS.lossMax).default(0.01),
    duplicate: probability(LIMITS.duplicateMax).default(0),
    /** The client gives up after this long, then retries or reports an explicit error (invariant `liveness`). */
    requestTimeoutMs: intIn(1, LIMITS.requestTimeoutMsMax).default(2000),
    retries: intIn(0, LIMITS.retriesMax).default(2),
  },
  { error: 'expected a mapping' },
);

export const NodeRestartSchema = z.strictObject(
  { node: intIn(0, LIMITS.nodesMax - 1), atMs: intIn(0, LIMITS.maxTimeMsMax) },
  { error: 'expected a mapping { node, atMs }' },
);

export const FaultsSchema = z.strictObject(
  { nodeRestarts: listOf(NodeRestartSchema, LIMITS.faultsMax).default([]) },
  { error: 'expected a mapping' },
);

/** Every run stops at these bounds with a clear error instead of running on. */
export const RunLimitsSchema = z.strictObject(
  {
    maxEvents: intIn(1, LIMITS.maxEventsMax).default(200_000),
    maxTimeMs: intIn(1, LIMITS.maxTimeMsMax).default(600_000),
  },
  { error: 'expected a mapping' },
);

const InvariantsSchema = z.union([z.literal('all'), listOf(InvariantIdSchema, INVARIANT_IDS.length * 2)], {
  error: 'expected "all" or a list of invariant ids',
});

/** The file as written, before cross-field checks and normalisation. */
const ScenarioObjectSchema = z.strictObject(
  {
    name: z.string({ error: NAME_MESSAGE }).min(1, { error: NAME_MESSAGE }).max(64, { error: 'expected at most 64 characters' }).regex(NAME_PATTERN, { error: NAME_MESSAGE }),
    description: z.string({ error: 'expected text' }).max(4000, { error: 'expected at most 4000 characters' }).optional(),
    profile: ProfileSchema.default('pp'),
    ablations: listOf(AblationSchema, ABLATION_NAMES.length).default([]),
    seed: intIn(0, Number.MAX_SAFE_INTEGER).optional(),
    world: WorldSchema.prefault({}),
    network: NetworkSchema.prefault({}),
    faults: FaultsSchema.prefault({}),
    limits: RunLimitsSchema.prefault({}),
    invariants: InvariantsSchema.default('all'),
    /**
     * Per invariant; an invariant left out is expected to hold. Keys are checked in {@link crossCheck}.
     * `answered` is the goodput the run expects (scenarios/goodput.ts), e.g. `">= 0.9"`; default `"> 0"`.
     */
    expect: z
      .object(
        {
          answered: z
            .union([z.string(), z.number()], { error: ANSWERED_MESSAGE })
            .refine((v) => parseAnswered(v) !== null, { error: ANSWERED_MESSAGE })
            .optional(),
        },
        { error: 'expected a mapping of invariant id to holds|violated (and optionally answered: ">= 0.9")' },
      )
      .catchall(ExpectationSchema)
      .default({}),
    /** Adversary names; the adversary catalogue validates them, not this schema. */
    adversaries: listOf(z.string({ error: 'expected an adversary name' }).min(1, { error: 'expected an adversary name' }), LIMITS.adversariesMax).default([]),
  },
  { error: 'expected a mapping' },
);

type ScenarioObject = z.output<typeof ScenarioObjectSchema>;

/** Reports the first repeated entry of `list` at its index. */
function noDuplicates(list: readonly unknown[], path: (string | number)[], what: string, ctx: z.RefinementCtx): void {
  const seen = new Set<unknown>();
  list.forEach((v, i) => {
    if (seen.has(v)) ctx.addIssue({ code: 'custom', path: [...path, i], message: `duplicate ${what} ${JSON.stringify(v)}` });
    seen.add(v);
  });
}

/** The rules that relate two fields. Runs only once every field is valid on its own. */
function crossCheck(s: ScenarioObject, ctx: z.RefinementCtx): void {
  const w = s.world;
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  if (w.excludedChats > w.chats) {
    issue(['world', 'excludedChats'], `expected at most world.chats (${w.chats}), got ${w.excludedChats}`);
  }
  if (w.optedOutUsers >= w.users) {
    issue(['world', 'optedOutUsers'], `expected fewer than world.users (${w.users}), got ${w.optedOutUsers}`);
  }
  // The work bounds (LIMITS, docs/limits.md): together they keep the largest world near a minute of CPU.
  if (w.chats * w.messagesPerChat > LIMITS.chatMessagesMax) {
    issue(['world', 'messagesPerChat'], `expected world.chats × world.messagesPerChat ≤ ${LIMITS.chatMessagesMax} (chatMessagesMax), got ${w.chats} × ${w.messagesPerChat} = ${w.chats * w.messagesPerChat}`);
  }
  const batches = Math.min(w.users - w.optedOutUsers, w.requests) * w.tokensPerUser;
  if (batches > LIMITS.tokenBatchesMax) {
    issue(['world', 'tokensPerUser'], `expected min(world.users − world.optedOutUsers, world.requests) × world.tokensPerUser ≤ ${LIMITS.tokenBatchesMax} (tokenBatchesMax), got ${batches}`);
  }
  if (w.issuanceLimit?.tokens !== undefined && w.issuanceLimit.tokens < w.tokensPerUser) {
    issue(['world', 'issuanceLimit', 'tokens'], `expected at least world.tokensPerUser (${w.tokensPerUser}): an honest client's first batch must pass, got ${w.issuanceLimit.tokens}`);
  }
  if (w.witnessQuorum > w.witnesses) {
    issue(['world', 'witnessQuorum'], `expected at most world.witnesses (${w.witnesses}), got ${w.witnessQuorum}`);
  }
  w.unloggedNodes.forEach((n, i) => {
    if (n >= w.nodes) issue(['world', 'unloggedNodes', i], `expected a node index < world.nodes (${w.nodes}), got ${n}`);
  });
  noDuplicates(w.unloggedNodes, ['world', 'unloggedNodes'], 'node', ctx);
  const delay = s.network.delayMs;
  if (delay.min > delay.max) issue(['network', 'delayMs', 'min'], `expected at most network.delayMs.max (${delay.max}), got ${delay.min}`);
  s.faults.nodeRestarts.forEach((r, i) => {
    if (r.node >= w.nodes) issue(['faults', 'nodeRestarts', i, 'node'], `expected a node index < world.nodes (${w.nodes}), got ${r.node}`);
    // A restart after the time limit can never happen: almost certainly a unit mistake.
    if (r.atMs >= s.limits.maxTimeMs) issue(['faults', 'nodeRestarts', i, 'atMs'], `expected less than limits.maxTimeMs (${s.limits.maxTimeMs}), got ${r.atMs}`);
  });
  noDuplicates(s.ablations, ['ablations'], 'ablation', ctx);
  if (s.invariants !== 'all') noDuplicates(s.invariants, ['invariants'], 'invariant', ctx);
  const checked = new Set<string>(s.invariants === 'all' ? INVARIANT_IDS : s.invariants);
  for (const key of Object.keys(s.expect)) {
    if (key === 'answered') continue;
    if (!(INVARIANT_IDS as readonly string[]).includes(key)) {
      issue(['expect', key], `unknown invariant ${JSON.stringify(key)}; expected one of: ${INVARIANT_IDS.join(', ')}`);
    } else if (!checked.has(key)) {
      issue(['expect', key], `invariant ${JSON.stringify(key)} is not checked by this scenario (add it to invariants)`);
    }
  }
}

/** Normal form: sets in canonical order, invariants expanded, an expectation for every checked invariant. */
function normalise(s: ScenarioObject) {
  const invariants: InvariantId[] = INVARIANT_IDS.filter((id) => s.invariants === 'all' || s.invariants.includes(id));
  const expect = {} as Partial<Record<InvariantId, Expectation>>;
  for (const id of invariants) expect[id] = (s.expect as Partial<Record<InvariantId, Expectation>>)[id] ?? 'holds';
  // The goodput expectation leaves `expect` (a map of invariants) for its own field, only when stated
  // (so the hash of a scenario that does not state it is unchanged).
  const answered = s.expect.answered === undefined ? null : parseAnswered(s.expect.answered);
  // Order of a set carries no meaning, so it must not change the scenario hash.
  const ablations: Ablation[] = ABLATION_NAMES.filter((a) => s.ablations.includes(a));
  const unloggedNodes = [...s.world.unloggedNodes].sort((a, b) => a - b);
  const nodeRestarts = [...s.faults.nodeRestarts].sort((a, b) => a.atMs - b.atMs || a.node - b.node);
  return {
    ...s,
    ablations,
    world: { ...s.world, unloggedNodes },
    faults: { ...s.faults, nodeRestarts },
    invariants,
    expect,
    ...(answered ? { expectAnswered: answered.text } : {}),
  } as Omit<ScenarioObject, 'expect' | 'invariants'> & { invariants: InvariantId[]; expect: Partial<Record<InvariantId, Expectation>>; expectAnswered?: string };
}

/**
 * The schema of a scenario file. Parsing yields the normal form ({@link Scenario}); issues carry the
 * path of the offending field. Use {@link parseScenario} (scenarios/load.ts) for errors with lines.
 *
 * @example
 * ```ts
 * const s = ScenarioSchema.parse({ name: 'tiny', world: { users: 2, optedOutUsers: 0 } });
 * s.world.nodes; // 3
 * s.expect.liveness; // 'holds'
 * ```
 */
export const ScenarioSchema = ScenarioObjectSchema.superRefine(crossCheck, {
  // Cross-field messages quote both fields; they only make sense once each is valid by itself.
  when: (payload) => payload.issues.length === 0,
}).transform(normalise);

/** A validated scenario in normal form: every default filled, `invariants` a list, `expect` total over it. */
export type Scenario = z.infer<typeof ScenarioSchema>;
/** What a scenario may be written as (in YAML or in code): every field but `name` optional. */
export type ScenarioInput = z.input<typeof ScenarioSchema>;
