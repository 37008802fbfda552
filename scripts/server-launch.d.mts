export const SERVER_NODE_ARGS: string[];
export const SERVER_ENV: Record<string, string>;
export const START_LINE: string;
export function serverEnv(env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
