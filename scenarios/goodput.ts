/**
 * The goodput a scenario expects: `expect: { answered: ">= 0.9" }` in a scenario file, the share of
 * sent requests (requests the consent check let leave the device) that came back answered. A run
 * whose goodput misses it fails, like a verdict that misses its expectation (docs/verdicts.md).
 *
 * Without `expect.answered` a run expects `> 0`: at least one sent request answered. A scenario
 * that means to answer nothing (a denial of service it wants to see) says `answered: ">= 0"`.
 *
 * @example
 * const e = parseAnswered('>= 0.9');            // { op: '>=', value: 0.9, text: '>= 0.9' }
 * answeredMeets(e, { answered: 27, sent: 28 }); // true
 */

export const ANSWERED_OPS = ['>=', '>', '<=', '<', '=='] as const;
export type AnsweredOp = (typeof ANSWERED_OPS)[number];

export interface AnsweredExpectation {
  op: AnsweredOp;
  /** A share of the sent requests, in [0, 1]. */
  value: number;
  /** As written, normalised to `<op> <value>`. */
  text: string;
}

/** The expectation of a run whose scenario states none. */
export const DEFAULT_ANSWERED: AnsweredExpectation = { op: '>', value: 0, text: '> 0' };

export const ANSWERED_MESSAGE = 'expected a comparison of the answered share of sent requests, e.g. ">= 0.9" (one of >=, >, <=, <, == and a number in [0, 1])';

/** Parses `">= 0.9"` (or a bare number, read as `>=`); null when it is not one. */
export function parseAnswered(raw: unknown): AnsweredExpectation | null {
  if (typeof raw === 'number') return raw >= 0 && raw <= 1 ? { op: '>=', value: raw, text: `>= ${raw}` } : null;
  if (typeof raw !== 'string') return null;
  const m = /^\s*(>=|>|<=|<|==)?\s*(\d+(?:\.\d+)?)\s*$/.exec(raw);
  if (!m) return null;
  const value = Number(m[2]);
  if (!(value >= 0 && value <= 1)) return null;
  const op = (m[1] ?? '>=') as AnsweredOp;
  return { op, value, text: `${op} ${value}` };
}

/** Whether `answered` of `sent` meets the expectation (a run that sent nothing meets any). */
export function answeredMeets(e: AnsweredExpectation, counts: { answered: number; sent: number }): boolean {
  if (counts.sent === 0) return true;
  const share = counts.answered / counts.sent;
  switch (e.op) {
    case '>=':
      return share >= e.value;
    case '>':
      return share > e.value;
    case '<=':
      return share <= e.value;
    case '<':
      return share < e.value;
    case '==':
      return share === e.value;
  }
}
