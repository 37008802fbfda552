/// <reference types="svelte" />
/// <reference types="vite/client" />

declare module 'virtual:map-font-faces' {
  export const NOTO_SANS_SC_FACES: Array<{ url: string; 'unicode-range': string[] }>;
}
