/**
 * Deterministic inputs for the benchmarks: keys, tokens, chats, a log and a checkpoint, all drawn
 * from one seeded stream (sim/rng.ts) and built once, lazily, so `--suite bhttp` pays nothing for
 * RSA keys. Chats come from the simulator's own workload generator (sim/workload.ts) on the
 * default scenario, so the hot path carries the same kind of request a simulated client sends.
 */
import { encodeTokenChallenge } from '../protocol/tokens/challenge.js';
import { TOKEN_TYPE_BLIND_RSA, TOKEN_TYPE_VOPRF } from '../protocol/tokens/token-type.js';
import * as type1 from '../protocol/tokens/type1-voprf.js';
import * as type2 from '../protocol/tokens/type2-blindrsa.js';
import { encodeToken, type Token } from '../protocol/tokens/token.js';
import { generateGatewayKey, type GatewayKey } from '../protocol/ohttp.js';
import { generateKeyPair, type KeyPair } from '../protocol/hpke.js';
import type { Rng } from '../protocol/rng.js';
import { loadScenario, resolveScenarioPath, type Scenario } from '../scenarios/index.js';
import { GATEWAY_AUTHORITY, ISSUER_NAME } from '../protocol/request-path.js';
import { ChaChaRng } from '../sim/rng.js';
import { buildWorkload, type Chat } from '../sim/workload.js';

/** The default scenario, as `pph run` loads it. */
export function defaultScenario(): Scenario {
  return loadScenario(resolveScenarioPath('default', process.cwd()));
}

/** The small world of the threat matrix (scenarios/matrix.yaml): `sim.runsPerSecond` runs it. */
export function smallWorldScenario(): Scenario {
  return loadScenario(resolveScenarioPath('matrix', process.cwd()));
}

/** A chat of `messages` messages, generated as the default scenario's workload generates them. */
export function benchChat(messages: number, seed = 'pph bench chat'): Chat {
  const base = defaultScenario();
  const spec = { ...base, world: { ...base.world, users: 1, chats: 1, excludedChats: 0, optedOutUsers: 0, messagesPerChat: messages, requests: 0 } };
  return buildWorkload(spec, ChaChaRng.fromSeed(seed).fork('workload')).chats[0]!;
}

function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  let made = false;
  return () => {
    if (!made) {
      value = make();
      made = true;
    }
    return value as T;
  };
}

/** Tokens are finalised ahead of time (issuance is not on the hot path, PROTOCOL.md step 2). */
export const TOKEN_POOL_SIZE = 8;

/** Every key and token the suites use. Each getter builds its part on first use. */
export class BenchKeys {
  readonly rng: Rng;

  constructor(seed = 'pph bench') {
    this.rng = ChaChaRng.fromSeed(seed);
  }

  readonly gateway = lazy((): GatewayKey => generateGatewayKey(1, this.rng.fork('gateway')));
  readonly enclave = lazy((): KeyPair & { nodeId: string } => ({ ...generateKeyPair(this.rng.fork('enclave')), nodeId: 'enclave-0' }));

  readonly challenge1 = lazy(() => encodeTokenChallenge({ tokenType: TOKEN_TYPE_VOPRF, issuerName: ISSUER_NAME, redemptionContext: new Uint8Array(0), originInfo: [GATEWAY_AUTHORITY] }));
  readonly issuer1 = lazy(() => type1.generateIssuerKey(this.rng.fork('issuer-voprf')));
  /** A pool of finalised type-1 tokens, encoded, for the gateway to check. */
  readonly tokens1 = lazy((): Uint8Array[] => {
    const rng = this.rng.fork('tokens1');
    return Array.from({ length: TOKEN_POOL_SIZE }, () => encodeToken(this.issueType1(rng).token));
  });

  readonly challenge2 = lazy(() => encodeTokenChallenge({ tokenType: TOKEN_TYPE_BLIND_RSA, issuerName: ISSUER_NAME, redemptionContext: new Uint8Array(0), originInfo: [GATEWAY_AUTHORITY] }));
  /** Deterministic Miller-Rabin keygen in BigInt: a few hundred ms, once. */
  readonly issuer2 = lazy(() => type2.deriveIssuerKey(this.rng.fork('issuer-rsa')));

  /** One complete type-1 issuance (client request, issuer response, client finalize). */
  issueType1(rng: Rng): { request: ReturnType<typeof type1.createTokenRequest>['request']; token: Token } {
    const { request, state } = type1.createTokenRequest(this.challenge1(), this.issuer1().publicKey, rng);
    const response = type1.issue(request, this.issuer1(), rng);
    return { request, token: type1.finalize(response, state) };
  }

  /** One complete type-2 issuance. */
  issueType2(rng: Rng): { request: ReturnType<typeof type2.createTokenRequest>['request']; token: Token } {
    const { request, state } = type2.createTokenRequest(this.challenge2(), this.issuer2().publicKey, rng);
    return { request, token: type2.finalize(type2.issue(request, this.issuer2()), state) };
  }
}
