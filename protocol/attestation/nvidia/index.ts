/** NVIDIA confidential-GPU evidence: SPDM 1.1 GET_MEASUREMENTS transcripts, device chains, CVM+GPU binding. */
export * from './errors.js';
export * from './spdm.js';
export * from './chain.js';
export * from './verify.js';
export * from './binding.js';
export * from './sim-gpu.js';
