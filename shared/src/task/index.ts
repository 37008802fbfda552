export * from './task-status.ts';
export * from './dispatch.ts';
export * from './task-id.ts';
export * from './ended.ts';
