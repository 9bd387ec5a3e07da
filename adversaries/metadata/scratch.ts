/**
 * Working arrays reused from one analysis to the next (per thread: each worker has its own module).
 * A point at a million requests allocated ~0.3 GB of zeroed typed arrays for its internal passes;
 * fresh each time, that is page faults and zero-filling per point (sys time, GC of external
 * memory). An array from here is a view of `n` elements on a buffer kept under its name and grown
 * when needed; its contents are whatever the last user left: callers write before they read, or
 * `.fill()`. Only for arrays that never leave the function that asked (no aliasing across calls).
 */
const buffers = new Map<string, ArrayBuffer>();

function view(name: string, bytes: number): ArrayBuffer {
  let b = buffers.get(name);
  if (b === undefined || b.byteLength < bytes) {
    // A quarter extra, so that slightly larger points do not reallocate every time.
    b = new ArrayBuffer(Math.max(bytes, Math.ceil((bytes * 1.25) / 8) * 8));
    buffers.set(name, b);
  }
  return b;
}

export const scratch = {
  f64: (name: string, n: number): Float64Array => new Float64Array(view(name, n * 8), 0, n),
  i32: (name: string, n: number): Int32Array => new Int32Array(view(name, n * 4), 0, n),
  u32: (name: string, n: number): Uint32Array => new Uint32Array(view(name, n * 4), 0, n),
  u8: (name: string, n: number): Uint8Array => new Uint8Array(view(name, n), 0, n),
};
