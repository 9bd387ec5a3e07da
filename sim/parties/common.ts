/** Small pieces the parties share: BHTTP header access, token batches, timers. */
import { concat, fromUtf8, utf8 } from '../../protocol/bytes.js';
import { PphError } from '../../protocol/errors.js';

export class SimFormatError extends PphError {}

// The request path's wire constants live in protocol/request-path.ts (one module for sim, tee and bench).
export { GATEWAY_AUTHORITY, ISSUER_NAME, HEADERS, PATHS, PAD_BUCKETS, NODE_MSG, header, nodeMessage, encodePaddedRequest, authorizationFor, tokenOfAuthorization } from '../../protocol/request-path.js';

/** u16 count, then u16-length items: a batch of token requests or responses on one message. */
export function encodeBatch(items: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(items.length >> 8, items.length & 0xff)];
  for (const it of items) parts.push(Uint8Array.of(it.length >> 8, it.length & 0xff), it);
  return concat(...parts);
}

export function decodeBatch(bytes: Uint8Array, maxItems = 1024): Uint8Array[] {
  if (bytes.length < 2) throw new SimFormatError('truncated', 'batch shorter than its count');
  const n = (bytes[0]! << 8) | bytes[1]!;
  if (n > maxItems) throw new SimFormatError('limit', `batch of ${n} items exceeds ${maxItems}`);
  const out: Uint8Array[] = [];
  let pos = 2;
  for (let i = 0; i < n; i++) {
    if (pos + 2 > bytes.length) throw new SimFormatError('truncated', 'batch truncated');
    const len = (bytes[pos]! << 8) | bytes[pos + 1]!;
    pos += 2;
    if (pos + len > bytes.length) throw new SimFormatError('truncated', 'batch item truncated');
    out.push(bytes.slice(pos, pos + len));
    pos += len;
  }
  if (pos !== bytes.length) throw new SimFormatError('trailing', 'bytes after the batch');
  return out;
}


export function textOf(bytes: Uint8Array): string {
  try {
    return fromUtf8(bytes);
  } catch {
    throw new SimFormatError('utf8', 'not UTF-8');
  }
}

export { utf8 };

/**
 * Named timers as intents: `timer` schedules a TIMEOUT event, `cancel-timer` disarms it. A timer
 * fires only if it was not cancelled or re-armed since.
 */
export class Timers {
  private readonly generation = new Map<string, number>();
  constructor(
    /** The owner's port (labels are prefixed with its name). */
    private readonly scheduler: { after(ms: number, label: string, fn: () => void): void },
    private readonly fire: (name: string) => void,
  ) {}

  arm(name: string, ms: number): void {
    const g = (this.generation.get(name) ?? 0) + 1;
    this.generation.set(name, g);
    this.scheduler.after(ms, `timer ${name}`, () => {
      if (this.generation.get(name) === g) this.fire(name);
    });
  }

  cancel(name: string): void {
    this.generation.set(name, (this.generation.get(name) ?? 0) + 1);
  }
}
