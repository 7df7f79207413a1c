export * from './features.js';
export * from './filter.js';
export * from './records.js';
export * from './protocols.js';
