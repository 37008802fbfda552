/** Strings of the search feature, zh-CN first; `en` must have the same keys. Merged into i18n. */
export const searchZhCN = {} as const;

export const searchEn: Record<keyof typeof searchZhCN, string> = {};
