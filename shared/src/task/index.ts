export * from './task-status.ts';
export * from './dispatch.ts';
