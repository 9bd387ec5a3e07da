/**
 * What the invariants read at the end of a run, besides the trace: ground-truth records the
 * simulator keeps (it knows which request each message belongs to, which keys are honest, what
 * each party holds). Parties never read these; only checks do. Plain data, no I/O, no crypto.
 */

export type PartyRole = 'client' | 'relay' | 'gateway' | 'host' | 'enclave' | 'issuer' | 'log' | 'adversary';

export interface PartyInfo {
  name: string;
  role: PartyRole;
  /** Whether this party may hold request plaintext (the client, and an attested honest enclave). */
  trustedForContent: boolean;
}

export interface RequestRecord {
  requestId: string;
  user: string;
  chatId: string;
  /** The canary planted in this request's plaintext. */
  canary: string;
  blocked: 'opted-out' | 'excluded' | null;
  issuedAtMs: number;
  /** Times the request left the device (attempts that reached send-request). */
  sentCount: number;
  /** The node whose key each attempt was sealed to, and the ground truth about that key. */
  sealedTo: { node: string; keyHonest: boolean; event: number }[];
  outcome: 'ok' | 'error' | null;
  code: string | null;
  endedAtMs: number | null;
  /** SHA-256 hex of the answer plaintext the client accepted. */
  acceptedAnswer: string | null;
  /** SHA-256 hex of every answer an enclave produced for this request. */
  producedAnswers: string[];
}

/** Something a party learned: who (account, network address) or what (token, content), per request. */
export interface Exposure {
  party: string;
  requestId: string;
  kind: 'who' | 'what';
  label: string;
  event: number;
}

/** Bytes a party held: received on a link, kept in its state, or written to its logs. */
export interface HeldBytes {
  party: string;
  source: 'received' | 'state' | 'log';
  bytes: Uint8Array;
  event: number;
}

export interface EvidenceAcceptance {
  requestId: string;
  user: string;
  node: string;
  /** The nonce the client sent for this attempt (hex). */
  nonce: string;
  /** Ground truth: the enclave produced this evidence for this very attempt's attest request. */
  fresh: boolean;
  measurement: string;
  /** Ground truth: the measurement is a release entry of the one true log. */
  measurementLogged: boolean;
  /** Ground truth: the key in the evidence is held by that node's honest enclave now. */
  keyHonest: boolean;
  checkpointSize: number;
  /** The client's view of the log was consistent with every checkpoint it had seen. */
  viewConsistent: boolean;
  event: number;
}

export interface TokenAcceptance {
  tokenId: string;
  requestId: string;
  event: number;
}

export interface EnclaveSnapshot {
  node: string;
  /** The ref of the request that had just ended. */
  afterRef: number;
  requestId: string;
  /** Every byte string the enclave still held for requests that had ended. */
  leftover: Uint8Array[];
  event: number;
}

export interface RoutingRecord {
  requestId: string;
  user: string;
  node: string;
  event: number;
}

export interface ForwardSecrecyRecord {
  /** Keys the `later` position seized after the run: names only. */
  seized: string[];
  /** Recorded ciphertexts it tried to open. */
  attempts: number;
  /** Plaintexts it obtained, with the event of the recorded message. */
  opened: { what: string; bytes: Uint8Array; event: number }[];
}

export interface WorldView {
  /** Profile `pcc`: the most nodes one request may be sealed to (null: pp, one node). */
  diffusionCap?: number | null;
  parties: PartyInfo[];
  nodes: number;
  requests: RequestRecord[];
  exposures: Exposure[];
  held: HeldBytes[];
  evidence: EvidenceAcceptance[];
  tokens: TokenAcceptance[];
  /**
   * Inner requests the enclave opened, by digest of their ciphertext: the same ciphertext opened
   * twice was replayed (a client's retry is a new ciphertext).
   */
  enclaveOpened: { requestId: string; ciphertext: string; node: string; event: number }[];
  /** Answers the client accepted, by request. */
  answersAccepted: { requestId: string; answer: string; event: number }[];
  enclaveSnapshots: EnclaveSnapshot[];
  /** Plaintext each enclave opened: the consent check scans it for canaries of blocked chats. */
  enclavePlaintexts: { node: string; bytes: Uint8Array; event: number }[];
  /** Canaries of messages in chats the user excluded or of users who opted out. */
  blockedCanaries: { canary: string; chatId: string }[];
  routing: RoutingRecord[];
  forwardSecrecy: ForwardSecrecyRecord;
  /** Each checkpoint (size, root hex) every client saw, in order, and whether each was accepted. */
  logViews: { user: string; size: number; root: string; accepted: boolean; event: number }[];
}
