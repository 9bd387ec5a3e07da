import { PphError } from '../../protocol/errors.js';

/** Bad input to the metadata analysis (a length mismatch, a non-finite time, a bad option). Codes: input, option. */
export class MetadataInputError extends PphError {}
