/** China Standard Time, the product's one time zone: UTC+8 all year, no daylight saving. */
export const CST_OFFSET_MS = 8 * 3600_000;
