/**
 * The simulated users, their chats and their requests: generated from the scenario and the
 * workload's Rng stream. Every message carries a canary (a random word no party could guess) so
 * that the checks can tell where plaintext went.
 */
import { toHex } from '../protocol/bytes.js';
import { uniformInt, type Rng } from '../protocol/rng.js';
import type { ChatMessage } from '../tee/workload.js';
import type { RunSpec } from './spec.js';

export interface Chat {
  chatId: string;
  user: number;
  excluded: boolean;
  messages: ChatMessage[];
  /** Canaries planted in this chat's messages. */
  canaries: string[];
}

export interface Task {
  requestId: string;
  user: number;
  chatId: string;
  atMs: number;
}

export interface Workload {
  optedIn: boolean[];
  chats: Chat[];
  tasks: Task[];
}

const WORDS = (
  'meeting lunch tomorrow project deadline report budget review design launch weekend trip ' +
  'flight hotel dinner birthday party gift school homework doctor appointment train delay ' +
  'weather rain coffee office client contract invoice payment server outage release test ' +
  'summary notes agenda decision vote plan travel photos family dog walk garden recipe'
).split(' ');
const NAMES = ['ana', 'bo', 'chen', 'dara', 'eli', 'fay', 'gus', 'hana'];

function sentence(rng: Rng, canary: string | null): string {
  const n = 5 + uniformInt(rng, 8);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(WORDS[uniformInt(rng, WORDS.length)]!);
  if (canary) words.splice(uniformInt(rng, words.length), 0, canary);
  const s = words.join(' ');
  return s[0]!.toUpperCase() + s.slice(1) + (uniformInt(rng, 4) === 0 ? '?' : '.');
}

/** A canary: a word that appears nowhere else (12 random bytes as hex after a marker). */
export function makeCanary(rng: Rng): string {
  return `zq${toHex(rng.bytes(12))}`;
}

export function buildWorkload(spec: RunSpec, rng: Rng): Workload {
  const w = spec.world;
  const optedIn = Array.from({ length: w.users }, (_, u) => u < w.users - w.optedOutUsers);
  const excludedIdx = new Set<number>();
  const pick = rng.fork('excluded');
  while (excludedIdx.size < w.excludedChats) excludedIdx.add(uniformInt(pick, w.chats));
  const chats: Chat[] = [];
  const text = rng.fork('messages');
  for (let c = 0; c < w.chats; c++) {
    const messages: ChatMessage[] = [];
    const canaries: string[] = [];
    for (let m = 0; m < w.messagesPerChat; m++) {
      const canary = makeCanary(text);
      canaries.push(canary);
      messages.push({ from: NAMES[uniformInt(text, NAMES.length)]!, text: `${sentence(text, canary)} ${sentence(text, null)}` });
    }
    chats.push({ chatId: `chat-${c}`, user: c % w.users, excluded: excludedIdx.has(c), messages, canaries });
  }
  const tasks: Task[] = [];
  const when = rng.fork('tasks');
  const spacingMs = Math.max(1, Math.floor((spec.network.requestTimeoutMs * 2) / Math.max(1, w.users)));
  let t = 50;
  for (let k = 0; k < w.requests; k++) {
    const chat = chats[uniformInt(when, chats.length)]!;
    t += 1 + uniformInt(when, spacingMs);
    tasks.push({ requestId: `req-${k}`, user: chat.user, chatId: chat.chatId, atMs: t });
  }
  return { optedIn, chats, tasks };
}
