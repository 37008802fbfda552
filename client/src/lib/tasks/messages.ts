/** Strings of the tasks feature, zh-CN first; `en` must have the same keys. Merged into i18n. */
export const tasksZhCN = {} as const;

export const tasksEn: Record<keyof typeof tasksZhCN, string> = {};
