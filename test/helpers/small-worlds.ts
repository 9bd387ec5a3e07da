/** Small scenarios for tests: the crypto of a full world costs seconds (VOPRF tokens dominate). */
import { scenarioFromObject, type Scenario } from '../../scenarios/index.js';

/** No token is issued (every user opted out): network, scheduler, machines, boot and attestation logs only. */
export function consentOnlyWorld(extra: Record<string, unknown> = {}): Scenario {
  return scenarioFromObject({
    name: 'law-consent-only',
    world: { users: 2, chats: 3, excludedChats: 1, optedOutUsers: 1, messagesPerChat: 2, nodes: 2, requests: 0, tokensPerUser: 1, witnesses: 1, witnessQuorum: 1 },
    network: { loss: 0.05, duplicate: 0.05 },
    faults: { nodeRestarts: [{ node: 1, atMs: 300 }] },
    ...extra,
  });
}

/** One user, a few requests, few tokens: every protocol step with real crypto, quickly. */
export function tinyWorld(extra: { world?: Record<string, unknown>; network?: Record<string, unknown>; [k: string]: unknown } = {}): Scenario {
  const { world, network, ...rest } = extra;
  return scenarioFromObject({
    name: 'tiny',
    world: { users: 1, chats: 2, excludedChats: 0, optedOutUsers: 0, messagesPerChat: 3, nodes: 2, requests: 3, tokensPerUser: 3, witnesses: 2, witnessQuorum: 1, ...(world ?? {}) },
    network: { loss: 0, duplicate: 0, ...(network ?? {}) },
    faults: { nodeRestarts: [] },
    ...rest,
  });
}
