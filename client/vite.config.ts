import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { mapFontFaces } from './vite-plugins/map-font-faces.ts';
import { serviceWorker } from './vite-plugins/service-worker.ts';

export default defineConfig({
  plugins: [svelte(), mapFontFaces(), serviceWorker()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000, target: 'es2022' },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/sync': { target: 'ws://127.0.0.1:8080', ws: true },
      '/socket.io': { target: 'ws://127.0.0.1:8080', ws: true },
    },
  },
});
