/**
 * Metadata correlation (THREATS.md adversary 4): how well a passive relay+gateway coalition links
 * client addresses to requests from timing and sizes, and what padding, batching, cover traffic
 * and several relays change, at what latency. A pure library: a function of its options and seed.
 *
 * - `analyseMetadata(options)`: one defence setting → one point (accuracy, chance, latency,
 *   degree of anonymity, AUPRC).
 * - `metadataCurves(options)`: each defence varied on the same traffic → `metadata.json` data.
 * - `linkObservations(clientSide, gatewaySide, model)`: the same attacker on observations taken
 *   from real simulated links.
 */
export { analyseMetadata, BASELINE, OHTTP_REQUEST_OVERHEAD_BYTES, type Coalition, type DefenceSettings, type MetadataOptions, type MetadataPoint, type WorldOptions } from './analyse.js';
export { metadataCurves, planCurves, assembleCurves, analyseJobs, COMBINED_LEVELS, DEFENCES, DEFENCE_NAMES, type CurvesOptions, type CurvesPlan, type DefenceName, type MetadataCurve, type MetadataResult } from './curves.js';
export {
  linkObservations,
  linkArrays,
  MAX_PAIRS_DEFAULT,
  MetadataInputError,
  NOT_SCORED,
  SIM_DEFAULT_MODEL,
  UNOBSERVED,
  type ClientObservation,
  type GatewayObservation,
  type Link,
  type LinkModel,
  type LinkSummary,
  type DelayShape,
} from './link.js';
export { releaseTimes, type BatchPolicy } from './batching.js';
export { anonymityDegree, averagePrecision, entropyBits } from './measures.js';
export { metadataMarkdown, metadataTable } from './markdown.js';
