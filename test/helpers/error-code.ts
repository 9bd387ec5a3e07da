/**
 * What a verifier said, as a string a test can compare: the `code` of the typed error it threw
 * (class checked), or `ok` when it returned. Any other exception propagates and fails the test,
 * so a verifier that crashes is never mistaken for one that refused.
 */
type ErrorClass = abstract new (...args: any[]) => Error & { code: string };

export function errorCodeOf(cls: ErrorClass, fn: () => unknown, ok = 'valid'): string {
  try {
    fn();
    return ok;
  } catch (e) {
    if (e instanceof cls) return e.code;
    throw e;
  }
}
