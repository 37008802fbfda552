export * from './task-status.ts';
