/**
 * Working arrays reused from one analysis to the next (per thread: each worker has its own module).
 * A point at a million requests allocated ~0.3 GB of zeroed typed arrays for its internal passes;
 * fresh each time, that is page faults and zero-filling per point (sys time, GC of external
 * memory). An array from here is a view of `n` elements on a buffer kept under its name and grown
 * when needed; its contents are whatever the last user left: callers write before they read, or
 * `.fill()`. Only for arrays that never leave the function that asked (no aliasing across calls).
 */
const buffers = new Map<string, ArrayBuffer>();

/** The most sends a thread expects to analyse (expectSends): per-send arrays get that capacity when first made. */
let sendsExpected = 0;

function view(name: string, bytes: number, minBytes: number): ArrayBuffer {
  let b = buffers.get(name);
  if (b === undefined || b.byteLength < bytes) {
    // A quarter extra, so that slightly larger points do not reallocate every time; for a per-send
    // array at least the expected sends, so that the points with cover (up to three times the
    // sends of the first points, which have none) do not reallocate and touch fresh pages again.
    b = new ArrayBuffer(Math.max(bytes, minBytes, Math.ceil((bytes * 1.25) / 8) * 8));
    buffers.set(name, b);
  }
  return b;
}

/** `perSend`: the array holds that many elements per send (see expectSends); 0: not sized by sends. */
const capacity = (n: number, perSend: number): number => Math.max(n, sendsExpected * perSend);

export const scratch = {
  f64: (name: string, n: number, perSend = 0): Float64Array => new Float64Array(view(name, n * 8, capacity(n, perSend) * 8), 0, n),
  i32: (name: string, n: number, perSend = 0): Int32Array => new Int32Array(view(name, n * 4, capacity(n, perSend) * 4), 0, n),
  u32: (name: string, n: number, perSend = 0): Uint32Array => new Uint32Array(view(name, n * 4, capacity(n, perSend) * 4), 0, n),
  u8: (name: string, n: number, perSend = 0): Uint8Array => new Uint8Array(view(name, n, capacity(n, perSend)), 0, n),
  /** This thread will analyse up to `sends` sends (a worker learns it from its plan before the first, smaller, points). */
  expectSends(sends: number): void {
    sendsExpected = Math.max(sendsExpected, Math.ceil(sends));
  },
};
