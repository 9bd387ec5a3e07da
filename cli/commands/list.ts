/**
 * `pph list [scenarios|adversaries|profiles|invariants] [--json]`: what is built in. Without a
 * kind, every kind. Exit 0, 2 an unknown kind.
 */
import { listBuiltinScenarios, loadScenario, resolveScenarioPath } from '../../scenarios/index.js';
import { ADVERSARIES, COALITIONS, CONDITIONS } from '../../adversaries/index.js';
import { FINDING_PROFILES, MUTATION_PROFILES, PROFILE_DEFS } from '../../model/profile.js';
import { INVARIANTS } from '../../model/invariants/index.js';
import { INVARIANT_IDS } from '../../model/invariant-ids.js';
import { didYouMean, parseFlags, UsageError, type Command } from '../io.js';

export const LIST_KINDS = ['scenarios', 'adversaries', 'profiles', 'invariants'] as const;
export type ListKind = (typeof LIST_KINDS)[number];

const USAGE = [
  'pph list [scenarios|adversaries|profiles|invariants] [--json]',
  '',
  '  the built-in scenarios (pph run <name>), adversaries, coalitions and conditions',
  '  (scenario adversaries:, --adversary), profiles and mutants (--profile), invariants (expect:)',
  '  --json   one object: { schemaVersion, kind: "list", <kind>: [...] } (docs/json-output.md)',
  '',
  'example: pph list adversaries',
].join('\n');

export interface ListItem {
  name: string;
  /** One line: what it is. */
  summary: string;
  [field: string]: unknown;
}

const firstSentence = (s: string) => s.replace(/\s+/g, ' ').trim().split(/(?<=\.)\s/)[0] ?? '';

/** The built-in things of one kind, in a stable order. */
export function listItems(kind: ListKind): ListItem[] {
  switch (kind) {
    case 'scenarios':
      return listBuiltinScenarios().map((name) => {
        try {
          const s = loadScenario(resolveScenarioPath(name, process.cwd()));
          return { name, summary: firstSentence(s.description ?? ''), profile: s.profile, adversaries: [...(s.adversaries ?? [])] };
        } catch {
          return { name, summary: '(does not load: run pph run ' + name + ' for the error)' };
        }
      });
    case 'adversaries':
      return [
        ...ADVERSARIES.map((a) => ({ name: a.name, summary: firstSentence(a.description), type: 'adversary', positions: [...a.positions], marks: [...a.marks], ...(a.profiles ? { profiles: [...a.profiles] } : {}) })),
        ...Object.entries(COALITIONS).map(([name, members]) => ({ name, summary: `coalition of ${members.join(' and ')}`, type: 'coalition', members: [...members] })),
        ...CONDITIONS.map((a) => ({ name: a.name, summary: firstSentence(a.description), type: 'condition', positions: [...a.positions], marks: [...a.marks] })),
      ];
    case 'profiles':
      return Object.entries(PROFILE_DEFS).map(([name, d]) => {
        // Issue 15: an evidence profile's mutant (e.g. pp-tdx-status-ignored) is a finding of its family.
        const type = name in FINDING_PROFILES || (d.evidence !== undefined && d.ablations.length > 0) ? 'finding' : name in MUTATION_PROFILES ? 'mutation' : 'baseline';
        const summary = type === 'baseline' ? `baseline protocol ${d.base}${d.evidence ? ` on ${d.evidence} evidence` : ''}` : d.finding ? `${d.base} with ${d.ablations.join(', ')} off: ${d.finding}` : `${d.base} with ${d.ablations.join(', ')} off`;
        return { name, summary, type, base: d.base, ablations: [...d.ablations] };
      });
    case 'invariants':
      return INVARIANT_IDS.map((id) => ({ name: id, summary: firstSentence(INVARIANTS[id].description) }));
  }
}

export const command: Command = {
  name: 'list',
  summary: 'list the built-in scenarios, adversaries, profiles and invariants',
  usage: USAGE,
  async run(argv, io) {
    const flags = parseFlags(argv, { json: { type: 'boolean' } });
    if (flags.positionals.length > 1) throw new UsageError(`expected at most one kind, got ${flags.positionals.length}`);
    const raw = flags.positionals[0];
    if (raw !== undefined && !(LIST_KINDS as readonly string[]).includes(raw)) throw new UsageError(`unknown kind '${raw}'${didYouMean(raw, LIST_KINDS)} (one of ${LIST_KINDS.join(', ')})`);
    const kinds: ListKind[] = raw === undefined ? [...LIST_KINDS] : [raw as ListKind];
    if (flags.bool('json')) {
      io.out(JSON.stringify({ schemaVersion: 1, kind: 'list', ...Object.fromEntries(kinds.map((k) => [k, listItems(k)])) }));
      return 0;
    }
    kinds.forEach((k, n) => {
      const items = listItems(k);
      if (n > 0) io.out('');
      io.out(`${k} (${items.length}):`);
      const w = Math.max(...items.map((i) => i.name.length));
      for (const i of items) io.out(`  ${i.name.padEnd(w)}  ${i.summary}`);
    });
    return 0;
  },
};
