/**
 * scenarios/scenario.schema.json (for editors) is what zod emits from scenarios/schema.ts: a stale
 * file fails here. Regenerate with `npx tsx scripts/scenario-schema.ts`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCENARIO_SCHEMA_FILE, scenarioJsonSchema, scenarioJsonSchemaText } from '../../scenarios/json-schema.js';

const file = join(import.meta.dirname, '..', '..', 'scenarios', SCENARIO_SCHEMA_FILE);

describe('scenarios/scenario.schema.json', () => {
  it('is up to date with scenarios/schema.ts (run npx tsx scripts/scenario-schema.ts)', () => {
    expect(readFileSync(file, 'utf8')).toBe(scenarioJsonSchemaText());
  });

  it('describes the file as written: name required, unknown keys refused, expect.answered a comparison', () => {
    const s = scenarioJsonSchema() as { required?: string[]; additionalProperties?: unknown; properties: Record<string, { properties?: Record<string, unknown>; additionalProperties?: unknown }> };
    expect(s.required).toEqual(['name']);
    expect(s.additionalProperties).toBe(false);
    expect(Object.keys(s.properties)).toEqual(expect.arrayContaining(['world', 'network', 'faults', 'limits', 'expect', 'adversaries']));
    expect(s.properties.expect!.properties).toHaveProperty('answered');
    expect(s.properties.expect!.additionalProperties).toMatchObject({ enum: ['holds', 'violated'] });
  });
});
