export * from './newest.ts';
