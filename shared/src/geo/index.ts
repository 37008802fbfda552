export * from './lnglat.ts';
export * from './jurisdiction.ts';
