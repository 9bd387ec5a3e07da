/** SHA-2 digests through synchronous node:crypto (faster than a JS hash for these small inputs). */
import { createHash } from 'node:crypto';

function digest(algorithm: 'sha256' | 'sha384', parts: readonly Uint8Array[]): Uint8Array {
  const h = createHash(algorithm);
  for (const p of parts) h.update(p);
  const out = h.digest();
  // A plain Uint8Array, not a Buffer, so equality checks in callers and tests compare like with like.
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

export function sha256(...parts: Uint8Array[]): Uint8Array {
  return digest('sha256', parts);
}

export function sha384(...parts: Uint8Array[]): Uint8Array {
  return digest('sha384', parts);
}
