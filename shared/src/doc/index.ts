export * from './apply-change.ts';
export * from './doc-name.ts';
export * from './migrate.ts';
export * from './repair-transaction.ts';
