/** Writes scenarios/scenario.schema.json from the zod schema: `npx tsx scripts/scenario-schema.ts`. */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCENARIO_SCHEMA_FILE, scenarioJsonSchemaText } from '../scenarios/json-schema.js';

const path = join(dirname(fileURLToPath(import.meta.url)), '..', 'scenarios', SCENARIO_SCHEMA_FILE);
writeFileSync(path, scenarioJsonSchemaText());
console.log(`wrote ${path}`);
