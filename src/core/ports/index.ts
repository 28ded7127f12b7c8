export * from './blob-store.js';
export * from './images.js';
export * from './metadata/index.js';
export * from './sources.js';
