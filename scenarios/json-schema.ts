/**
 * The JSON Schema of a scenario file, emitted by zod 4 from {@link ScenarioSchema} (the input side:
 * what may be written, every field optional but `name`). Shipped as `scenarios/scenario.schema.json`
 * for editors (YAML language server: `# yaml-language-server: $schema=./scenario.schema.json`);
 * `npx tsx scripts/scenario-schema.ts` writes it, test/cli/scenario-schema.test.ts fails when stale.
 * Cross-field rules (e.g. `excludedChats ≤ chats`) are not expressible here: `pph run` checks them.
 */
import { z } from 'zod';
import { ScenarioSchema } from './schema.js';

export const SCENARIO_SCHEMA_FILE = 'scenario.schema.json';
export const SCENARIO_SCHEMA_ID = 'https://github.com/private-processing-harness/pph/scenarios/scenario.schema.json';

/** The schema as a JSON value. */
export function scenarioJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ScenarioSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { $id: SCENARIO_SCHEMA_ID, title: 'pph scenario', description: 'A pph scenario file (scenarios/*.yaml): docs at docs/verdicts.md and scenarios/schema.ts.', ...schema };
}

/** The file's text: stable key order as zod emits it, two-space indent, a final newline. */
export function scenarioJsonSchemaText(): string {
  return JSON.stringify(scenarioJsonSchema(), null, 2) + '\n';
}
