/**
 * The ground truth the invariants judge, as a view DERIVED FROM THE TRACE: every field is rebuilt
 * from the run's fact events (model/facts.ts, `viewFromTrace`). The simulator's observer writes
 * those facts into the trace (inside its hash) as the run happens; nothing here is kept beside the
 * trace, so `pph check <trace.jsonl>` recomputes every verdict from the file alone. Plain data, no
 * I/O, no crypto.
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
  /** The node whose key each attempt was sealed to, and the observer's judgement about that key. */
  sealedTo: { node: string; keyHonest: boolean; event: number; attempt: number }[];
  outcome: 'ok' | 'error' | null;
  code: string | null;
  endedAtMs: number | null;
  /** SHA-256 hex of the answer plaintext the client accepted. */
  acceptedAnswer: string | null;
  /** SHA-256 hex of every answer an enclave produced for this request. */
  producedAnswers: string[];
}

/**
 * One piece of a party's knowledge: bytes it received on a link, holds in its state, wrote to its
 * logs, or obtained by its own means (`learned`: a rogue node's decryption, a seized key). The
 * observer scanned the bytes when the party got them and recorded what they contain: content
 * canaries (by request), message canaries (by chat) and identity canaries (by user: an account
 * id, a user name), and, for bytes received straight from a client, whose network address sent them.
 */
export interface Holding {
  party: string;
  /** `opened`: derived by the closure over keys (model/facts.ts): one of the party's keys opened bytes it knew. */
  source: 'received' | 'state' | 'log' | 'learned' | 'opened';
  /** The message the bytes came in on (or were opened from); null when not tied to one message. */
  msg: number | null;
  /** Observer: the request the message belongs to (provenance), or null. */
  of: string | null;
  /** The user whose network address sent these bytes (a party that receives from a client sees it). */
  fromUser: string | null;
  /** Requests whose content canary is in the bytes. */
  req: string[];
  /** Chats one of whose message canaries is in the bytes. */
  chat: string[];
  /** Users one of whose identity canaries is in the bytes. */
  who: string[];
  sha: string;
  bytes: number;
  event: number;
  /** `opened`: the key that opened it (id) and the event of the holding it was opened from. */
  key?: string;
  openedFrom?: number;
}

/** A party verified a token: it knows the token of a request; `keyOwner` is the only account its key was issued to. */
export interface TokenKnowledge {
  party: string;
  msg: number;
  requestId: string;
  tokenId: string;
  /** The observer's judgement: the key that verified the token was made for this account alone (a tag). */
  keyOwner: string | null;
  event: number;
}

/** A linker's claim (metadata-correlation), scored right against ground truth by the observer. */
export interface LinkClaim {
  party: string;
  requestId: string;
  user: string;
  event: number;
}

export interface EvidenceAcceptance {
  requestId: string;
  user: string;
  node: string;
  /** The nonce the client sent for this attempt (hex). */
  nonce: string;
  /** Observer: the enclave produced this evidence for this very attempt's nonce. */
  fresh: boolean;
  measurement: string;
  /** Observer: the measurement is a release entry of the one true log. */
  measurementLogged: boolean;
  /** Observer: the key in the evidence was generated inside an honest enclave. */
  keyHonest: boolean;
  checkpointSize: number;
  /** Observer: the checkpoint the client accepted is one of the true log's. */
  viewConsistent: boolean;
  /** Observer: the true log had published a larger checkpoint more than the freshness bound before (model/log-policy.ts). */
  checkpointStale: boolean;
  /** Observer: how long before the acceptance the true log superseded this checkpoint (0: it had not). */
  staleForMs: number;
  /** Observer: valid cosignatures on the checkpoint by witnesses no adversary holds (null: not recorded). */
  honestCosigners: number | null;
  /** The witness quorum of the run (spec). */
  quorumRequired: number;
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
  /** What the walk of the enclave's whole state found of ended requests: the field path and the request. */
  leftover: { field: string; requestId: string }[];
  event: number;
}

export interface RoutingRecord {
  requestId: string;
  user: string;
  node: string;
  event: number;
}

export interface TargetRecord {
  adversary: string;
  user: string;
  nodes: string[];
  event: number;
}

export interface ForwardSecrecyRecord {
  /** Keys the `later` position seized after the run: names only. */
  seized: string[];
  /** Recorded ciphertexts it tried to open. */
  attempts: number;
  /** What opened, with the content and message canaries found in it. */
  opened: { what: string; req: string[]; chat: string[]; event: number }[];
}

export interface WorldView {
  /** Profile `pcc`: the most nodes one request may be sealed to (null: pp, one node). */
  diffusionCap?: number | null;
  parties: PartyInfo[];
  nodes: number;
  /** Users and, per user, the accounts and addresses that identify them. */
  users: string[];
  requests: RequestRecord[];
  held: Holding[];
  tokenKnowledge: TokenKnowledge[];
  linkClaims: LinkClaim[];
  evidence: EvidenceAcceptance[];
  /** Tokens the gateway served (forwarded a request with), in order. */
  tokens: TokenAcceptance[];
  /** Tokens an issuance produced (finalized by the account they were issued to). */
  tokensIssued: { tokenId: string; holder: string; event: number }[];
  /** What the issuer evaluated, per account (the authenticated sender) and time. */
  issuances: { account: string; count: number; atMs: number; event: number }[];
  /** The issuer's per-account limit the run claims: at most `tokens` per window [k·windowMs, (k+1)·windowMs). */
  issuanceLimit: { tokens: number; windowMs: number } | null;
  /**
   * Inner requests the enclave opened, by digest of their ciphertext: the same ciphertext opened
   * twice was replayed (a client's retry is a new ciphertext).
   */
  enclaveOpened: { requestId: string; ciphertext: string; node: string; event: number }[];
  /** Answers the client accepted, by request. */
  answersAccepted: { requestId: string; answer: string; event: number }[];
  enclaveSnapshots: EnclaveSnapshot[];
  /** Chats whose messages must never leave the device (excluded chats, chats of opted-out users). */
  blockedChats: string[];
  routing: RoutingRecord[];
  /**
   * A targeting adversary's declared choice (fact `target`): the user it targets and the nodes it
   * holds (from its `node:<i>` positions). The pooled non-targetability test counts that user's
   * routed requests landing on those nodes.
   */
  targets: TargetRecord[];
  forwardSecrecy: ForwardSecrecyRecord;
  /** Each checkpoint (size, root hex) every client saw, in order, and whether each was accepted. */
  logViews: { user: string; size: number; root: string; accepted: boolean; event: number }[];
  /** Consistency proofs each client verified (fact `log-consistency`). */
  logConsistency: { user: string; from: number; to: number; event: number }[];
}
