/**
 * A test-only `Rng` that replays given byte strings in order: the way vector tests inject a
 * nonce, blind, salt or proof randomness into functions that otherwise draw them from a seeded
 * stream. Each draw must ask for exactly the length of the next queued value, so a change in the
 * order or size of draws fails loudly instead of silently misaligning.
 */
import type { Rng } from '../../protocol/rng.js';

export class FixedRng implements Rng {
  private next = 0;
  private readonly values: Uint8Array[];

  constructor(...values: Uint8Array[]) {
    this.values = values.map((v) => v.slice());
  }

  bytes(n: number): Uint8Array {
    const value = this.values[this.next];
    if (value === undefined) throw new Error(`FixedRng: draw ${this.next} of ${n} bytes, but only ${this.values.length} values were queued`);
    if (value.length !== n) throw new Error(`FixedRng: draw ${this.next} asked for ${n} bytes, the queued value has ${value.length}`);
    this.next++;
    return value.slice();
  }

  fork(label: string): Rng {
    throw new Error(`FixedRng cannot fork (asked for '${label}'): pass the fixed values to the party that draws them`);
  }

  /** True once every queued value was drawn. */
  get exhausted(): boolean {
    return this.next === this.values.length;
  }
}
