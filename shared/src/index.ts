export * from './errors.ts';
export * from './schema/index.ts';
export * from './doc/index.ts';
export * from './permissions/index.ts';
export * from './task/index.ts';
export * from './geo/index.ts';
export * from './protocol/index.ts';
export * from './live/index.ts';
