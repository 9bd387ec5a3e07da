/** Intel DCAP: SGX and TDX quotes verified with their collateral (see verify.ts for the checks). */
export * from './errors.js';
export * from './quote.js';
export * from './pck.js';
export * from './crl.js';
export * from './collateral.js';
export * from './tcb.js';
export * from './verify.js';
