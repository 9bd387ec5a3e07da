/** TLS 1.3 (RFC 8446) and RA-TLS: the public surface of protocol/tls. */
export * from './errors.js';
export * from './key-schedule.js';
export * from './messages.js';
export * from './record.js';
export * from './signature.js';
export * from './connection.js';
export * from './ra-tls.js';
