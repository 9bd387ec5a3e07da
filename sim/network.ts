/**
 * The simulated network. Parties have addresses; a message travels on a named link with a delay,
 * loss and duplication drawn from the network's Rng stream. Each link has hook points where
 * adversaries sit: they see exactly the bytes and metadata that cross the link (what a real
 * attacker at that position would see), and return decisions.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../protocol/bytes.js';
import { uniformFloat, uniformInt, type Rng } from '../protocol/rng.js';
import type { SimClock } from './clock.js';
import type { Scheduler } from './scheduler.js';
import type { Trace } from './trace.js';

export type Address = string;

export interface Message {
  /** Unique per run, in order of sending. */
  id: number;
  from: Address;
  to: Address;
  link: string;
  bytes: Uint8Array;
  /** A short label for humans (`ohttp-req`, `attest-bundle`); never secret. */
  label: string;
  sentAtMs: number;
  /** The request this one answers, like an HTTP stream id; visible to the link (metadata). */
  stream?: number;
}

export interface LinkPolicy {
  delayMsMin: number;
  delayMsMax: number;
  loss: number;
  duplicate: number;
}

/** What an adversary on a link decides for one message. */
export type Decision =
  | { kind: 'deliver' }
  | { kind: 'drop' }
  | { kind: 'delay'; delayMs: number }
  | { kind: 'replace'; bytes: Uint8Array }
  | { kind: 'inject'; to: Address; bytes: Uint8Array; label: string; delayMs: number };

export interface LinkHook {
  /** Sees every message on the link before delivery; returns decisions (default: deliver). */
  onMessage(message: Readonly<Message>): Decision[];
}

export type Handler = (message: Message) => void;

/**
 * Choice points for stateless exploration (`pph explore --engine concrete`, docs/explore.md): a
 * probe sees each send, each arrival on a link (before the link's hooks decide) and each hand-over
 * to a party, and may stop the run there by throwing. Unset (every ordinary run), nothing changes:
 * the probe reads no randomness and writes no trace event.
 */
export interface NetworkProbe {
  send?(message: Readonly<Message>): void;
  arrive?(message: Readonly<Message>): void;
  deliver?(message: Readonly<Message>): void;
}

const MAX_IN_FLIGHT = 100_000;

export class Network {
  private readonly handlers = new Map<Address, Handler>();
  private readonly hooks = new Map<string, LinkHook[]>();
  private nextId = 0;
  private inFlight = 0;
  private readonly rng: Rng;
  /** See {@link NetworkProbe}; null in every ordinary run. */
  probe: NetworkProbe | null = null;

  constructor(
    private readonly clock: SimClock,
    private readonly scheduler: Scheduler,
    private readonly trace: Trace,
    rng: Rng,
    private readonly policyFor: (link: string) => LinkPolicy,
  ) {
    this.rng = rng;
  }

  /** Registers the party at `address`; a second registration is a bug. */
  attach(address: Address, handler: Handler): void {
    if (this.handlers.has(address)) throw new Error(`address ${address} is already attached`);
    this.handlers.set(address, handler);
  }

  /** Replaces the handler at an address (a node restarting keeps its address). */
  reattach(address: Address, handler: Handler): void {
    this.handlers.set(address, handler);
  }

  /** Puts an adversary (or observer) on a link. */
  hook(link: string, hook: LinkHook): void {
    const list = this.hooks.get(link) ?? [];
    list.push(hook);
    this.hooks.set(link, list);
  }

  send(from: Address, to: Address, link: string, bytes: Uint8Array, label: string, stream?: number): Message {
    const message: Message = { id: this.nextId++, from, to, link, bytes, label, sentAtMs: this.clock.nowMs() };
    if (stream !== undefined) message.stream = stream;
    this.probe?.send?.(message);
    this.trace.append(this.clock.nowMs(), 'send', from, label, { to, link, msg: message.id, bytes: bytes.length, sha: digest(bytes) });
    const policy = this.policyFor(link);
    if (policy.loss > 0 && uniformFloat(this.rng) < policy.loss) {
      this.trace.append(this.clock.nowMs(), 'drop', 'network', label, { msg: message.id, link, reason: 'loss' });
      return message;
    }
    this.schedule(message, this.delay(policy));
    if (policy.duplicate > 0 && uniformFloat(this.rng) < policy.duplicate) {
      this.trace.append(this.clock.nowMs(), 'dup', 'network', label, { msg: message.id, link });
      this.schedule(message, this.delay(policy));
    }
    return message;
  }

  private delay(policy: LinkPolicy): number {
    const span = policy.delayMsMax - policy.delayMsMin;
    return policy.delayMsMin + (span > 0 ? uniformInt(this.rng, span + 1) : 0);
  }

  private schedule(message: Message, delayMs: number): void {
    if (this.inFlight >= MAX_IN_FLIGHT) throw new Error(`more than ${MAX_IN_FLIGHT} messages in flight`);
    this.inFlight++;
    this.scheduler.after(delayMs, `deliver ${message.label}#${message.id}`, () => {
      this.inFlight--;
      this.arrive(message);
    });
  }

  private arrive(message: Message): void {
    this.probe?.arrive?.(message);
    let current = message;
    for (const hook of this.hooks.get(message.link) ?? []) {
      for (const d of hook.onMessage(current)) {
        switch (d.kind) {
          case 'deliver':
            break;
          case 'drop':
            this.trace.append(this.clock.nowMs(), 'drop', 'adversary', current.label, { msg: current.id, link: current.link, reason: 'adversary' });
            return;
          case 'delay':
            this.trace.append(this.clock.nowMs(), 'tamper', 'adversary', `delay ${current.label}`, { msg: current.id, delayMs: d.delayMs });
            this.schedule(current, d.delayMs);
            return;
          case 'replace':
            this.trace.append(this.clock.nowMs(), 'tamper', 'adversary', `replace ${current.label}`, { msg: current.id, sha: digest(d.bytes) });
            current = { ...current, bytes: d.bytes };
            break;
          case 'inject': {
            const injected: Message = { id: this.nextId++, from: current.from, to: d.to, link: current.link, bytes: d.bytes, label: d.label, sentAtMs: this.clock.nowMs() };
            this.trace.append(this.clock.nowMs(), 'tamper', 'adversary', `inject ${d.label}`, { msg: injected.id, to: d.to, sha: digest(d.bytes) });
            this.inFlight++;
            this.scheduler.after(d.delayMs, `deliver ${d.label}#${injected.id}`, () => {
              this.inFlight--;
              this.handOver(injected);
            });
            break;
          }
        }
      }
    }
    this.handOver(current);
  }

  private handOver(message: Message): void {
    this.probe?.deliver?.(message);
    const handler = this.handlers.get(message.to);
    this.trace.append(this.clock.nowMs(), 'deliver', message.to, message.label, { from: message.from, link: message.link, msg: message.id, bytes: message.bytes.length });
    if (!handler) {
      this.trace.append(this.clock.nowMs(), 'drop', 'network', message.label, { msg: message.id, reason: 'no-such-address' });
      return;
    }
    handler(message);
  }
}

/** A short fingerprint of bytes for the trace (first 8 bytes of SHA-256). */
export function digest(bytes: Uint8Array): string {
  return toHex(sha256(bytes).subarray(0, 8));
}
