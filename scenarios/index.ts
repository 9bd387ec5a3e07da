/**
 * Declarative scenarios: the YAML schema, its loader and the scenario hash.
 *
 * @example
 * ```ts
 * import { loadScenario, resolveScenarioPath, scenarioHash } from 'private-processing-harness/scenarios';
 * const s = loadScenario(resolveScenarioPath('default', process.cwd()));
 * console.log(s.name, scenarioHash(s));
 * ```
 */
export {
  ScenarioSchema,
  WorldSchema,
  NetworkSchema,
  FaultsSchema,
  NodeRestartSchema,
  RunLimitsSchema,
  EXPECTATIONS,
  LIMITS,
  NAME_PATTERN,
  type Scenario,
  type ScenarioInput,
  type Expectation,
} from './schema.js';
export {
  ScenarioError,
  parseScenario,
  scenarioFromObject,
  loadScenario,
  scenarioHash,
  canonicalJson,
  resolveScenarioPath,
  listBuiltinScenarios,
  SCENARIO_BYTES_MAX,
  SCENARIO_FILE_LIMITS,
  parseScenarioBytes,
  readScenarioBytes,
  type ScenarioErrorCode,
  type ScenarioIssue,
} from './load.js';
