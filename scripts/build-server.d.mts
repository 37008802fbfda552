export const SERVER_BUNDLE: string;
export const EXTERNAL_PACKAGES: string[];
export function serverBuildIsStale(): boolean;
export function buildServer(): Promise<{ bytes: number; ms: number }>;
export function ensureServerBuild(options?: { force?: boolean }): Promise<boolean>;
