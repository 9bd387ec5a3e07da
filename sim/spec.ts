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
