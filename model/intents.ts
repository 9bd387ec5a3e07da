/**
 * The vocabulary between machines and the simulator. Machines never perform effects: each
 * transition returns intents (this file), the simulator performs them with protocol/ (real
 * crypto, real bytes) and feeds the outcome back as an event. Bytes never enter a machine: they
 * stay in the party's vault on the simulator side, referred to by a `ref` number.
 */

/** Which checks of PROTOCOL.md step 4 the client performs (all true in `pp`). */
export interface EvidenceChecks {
  chain: boolean;
  signature: boolean;
  policy: boolean;
  tcb: boolean;
  tcbFromReport: boolean;
  measurementInLog: boolean;
  witnesses: boolean;
  logConsistency: boolean;
  binding: boolean;
  clientNonce: boolean;
  keyConsistency: boolean;
  /** HOST_DATA must equal the digest of the released launch configuration (absent: checked). */
  hostData?: boolean;
}

export type Intent =
  // any party
  | { kind: 'timer'; name: string; ms: number }
  | { kind: 'cancel-timer'; name: string }
  // client
  | { kind: 'consent-block'; requestId: string; chatId: string; reason: 'opted-out' | 'excluded' }
  | { kind: 'request-tokens'; count: number }
  | { kind: 'attest'; requestId: string; attempt: number }
  | { kind: 'verify-evidence'; requestId: string; ref: number; checks: EvidenceChecks }
  | { kind: 'send-request'; requestId: string; chatId: string; attempt: number; pad: boolean }
  | { kind: 'open-response'; requestId: string; ref: number; checkBinding: boolean }
  | { kind: 'request-done'; requestId: string; outcome: 'ok' | 'error'; code: string }
  // relay
  | { kind: 'relay-forward'; ref: number }
  | { kind: 'relay-return'; ref: number }
  // gateway
  | { kind: 'decapsulate'; ref: number }
  | { kind: 'verify-token'; ref: number }
  | { kind: 'spend-token'; ref: number }
  | { kind: 'forward-to-node'; ref: number }
  | { kind: 'encapsulate-response'; ref: number }
  | { kind: 'respond-error'; ref: number; status: number; code: string }
  // host and enclave
  | { kind: 'boot'; generation: number }
  | { kind: 'to-enclave'; ref: number }
  /** The host cannot take a request now (still booting): it answers the gateway with an error. */
  | { kind: 'host-refuse'; ref: number; code: string }
  | { kind: 'from-enclave'; ref: number }
  | { kind: 'produce-evidence'; ref: number }
  | { kind: 'open-request'; ref: number }
  | { kind: 'infer'; ref: number }
  | { kind: 'seal-response'; ref: number }
  | { kind: 'erase'; ref: number; all: boolean }
  // issuer
  | { kind: 'issue-tokens'; ref: number }
  // log
  | { kind: 'log-append'; ref: number }
  | { kind: 'log-serve'; ref: number };

export type IntentKind = Intent['kind'];
