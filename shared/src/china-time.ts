/** China Standard Time, the product's one time zone: UTC+8 all year, no daylight saving. */
export const CST_OFFSET_MS = 8 * 3600_000;
/**
 * The IANA name of China Standard Time. Every time the product shows or reads is in it, whatever
 * the zone of the workstation or wall PC (one left on UTC would show alerts 8 h off the hours of
 * the rules that raised them, and a time typed on it would name another instant).
 */
export const CHINA_TIME_ZONE = 'Asia/Shanghai';

/** The China-time calendar day of an instant (days since 1970-01-01 CST). */
export const chinaDay = (ms: number): number => Math.floor((ms + CST_OFFSET_MS) / 86_400_000);
