export * from './lnglat.ts';
export * from './jurisdiction.ts';
export * from './staleness.ts';
