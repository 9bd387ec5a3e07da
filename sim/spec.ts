/**
 * What the simulator needs to know of a scenario. `Scenario` (scenarios/) is structurally a
 * `RunSpec`, so scenarios load above and run here without sim importing upward.
 */
export interface RunSpec {
  name: string;
  profile: string;
  ablations: readonly string[];
  world: {
    users: number;
    chats: number;
    excludedChats: number;
    optedOutUsers: number;
    messagesPerChat: number;
    nodes: number;
    requests: number;
    tokensPerUser: number;
    witnesses: number;
    witnessQuorum: number;
    unloggedNodes?: readonly number[];
    /** The issuer's per-account limit per window of virtual time; defaults: {@link issuanceLimitOf}. */
    issuanceLimit?: { tokens?: number; windowMs?: number };
    /** Long-term keys from this seed, shared by every run of the scenario (sim/world-keys.ts keysForRun); absent: from each run's seed. */
    keySeed?: number;
  };
  network: {
    delayMs: { min: number; max: number };
    loss: number;
    duplicate: number;
    requestTimeoutMs: number;
    retries: number;
  };
  faults: { nodeRestarts: readonly { node: number; atMs: number }[] };
  limits: { maxEvents: number; maxTimeMs: number };
  invariants: readonly string[];
  expect: Readonly<Record<string, 'holds' | 'violated'>>;
  adversaries?: readonly string[];
}

/**
 * Bugs planted on purpose, for tests that prove a checker can fail. Never set by a scenario file;
 * each names the invariant it is meant to break.
 */
export interface PlantedBugs {
  /** consent: the client ignores the user's settings. */
  ignoreConsent?: boolean;
  /** non-targetability: every request goes to node 0 (the client's node choice is broken, the gateway routes there). */
  routeAllToNodeZero?: boolean;
  /** forward-secrecy: a node keeps its HPKE key across restarts (derived from a fixed seed). */
  nodeKeySurvivesRestart?: boolean;
  /** liveness: the client never times out, so a lost message leaves its request hanging. */
  noClientTimeouts?: boolean;
  /** confidentiality: the enclave writes the opened request to a log the host can read. */
  enclaveLogsPlaintextToHost?: boolean;
  /** integrity: the gateway swaps the answers of consecutive requests. */
  gatewaySwapsResponses?: boolean;
  /** unlinkability: the relay passes the client address to the gateway in a header. */
  relayForwardsClientAddress?: boolean;
}

/** Default window of the issuer's per-account limit (virtual ms). */
export const ISSUANCE_WINDOW_MS = 60_000;

/**
 * The issuer's per-account limit of a run (PROTOCOL.md step 2): the scenario's, or by default more
 * than any honest user can need in the whole run (its requests with every retry, plus two batches:
 * a client refills only when it runs out, and a lost reply costs one batch).
 */
export function issuanceLimitOf(spec: Pick<RunSpec, 'world' | 'network'>): { tokens: number; windowMs: number } {
  const w = spec.world;
  return {
    tokens: w.issuanceLimit?.tokens ?? 2 * w.tokensPerUser + w.requests * (spec.network.retries + 1),
    windowMs: w.issuanceLimit?.windowMs ?? ISSUANCE_WINDOW_MS,
  };
}
