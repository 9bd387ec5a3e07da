/**
 * The observer's walk of an enclave's state (invariant `stateless`): every field of the state it
 * is handed, recursively (maps, sets, arrays, objects, byte strings, strings), and anything in it
 * derived from a request that has ended: its canary (in plaintext, an answer, any byte string or
 * string), a key or an HPKE context derived from it. Runs on the world's side of the port: the
 * canaries and the derivation table are ground truth no party reads.
 */
import { utf8 } from '../protocol/bytes.js';

/** `path`s (as `requestId|path`, sorted) of values in `state` that belong to a request `isEnded` says has ended. */
export function walkEnclaveState(
  state: Record<string, unknown>,
  isEnded: (requestId: string) => boolean,
  contentIn: (bytes: Uint8Array) => string[],
  derivedRequest: (value: object) => string | null,
): string[] {
  const found = new Set<string>();
  const seen = new Set<object>();
  const note = (requestId: string, path: string) => {
    if (isEnded(requestId)) found.add(`${requestId}|${path}`);
  };
  const visit = (v: unknown, path: string, depth: number): void => {
    if (v === null || v === undefined || depth > 16) return;
    if (typeof v === 'string') {
      for (const r of contentIn(utf8(v))) note(r, path);
      return;
    }
    if (typeof v !== 'object') return;
    if (seen.has(v)) return;
    seen.add(v);
    const derived = derivedRequest(v);
    if (derived) note(derived, path);
    if (v instanceof Uint8Array) {
      for (const r of contentIn(v)) note(r, path);
      return;
    }
    if (v instanceof Map) {
      for (const [k, x] of v) {
        visit(k, `${path}.key(${String(k)})`, depth + 1);
        visit(x, `${path}.get(${String(k)})`, depth + 1);
      }
      return;
    }
    if (v instanceof Set) {
      let i = 0;
      for (const x of v) visit(x, `${path}.values[${i++}]`, depth + 1);
      return;
    }
    if (Array.isArray(v)) {
      v.forEach((x, i) => visit(x, `${path}[${i}]`, depth + 1));
      return;
    }
    for (const k of Object.keys(v)) visit((v as Record<string, unknown>)[k], `${path}.${k}`, depth + 1);
  };
  for (const k of Object.keys(state)) visit(state[k], k, 0);
  return [...found].sort();
}
