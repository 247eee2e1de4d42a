import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

/** `npm start` at the root serves the API (and Socket.IO) here; the dev server forwards to it. */
const API = 'http://127.0.0.1:3000';

export default defineConfig({
  base: '/',
  plugins: [react()],
  // The page shares only the browser-safe contract with the services (see client/tsconfig.json).
  resolve: {
    alias: { '@flashsale/common/contract': fileURLToPath(new URL('../common/src/contract/index.ts', import.meta.url)) },
  },
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    proxy: {
      '/api': API,
      '/.well-known': API,
      '/socket.io': { target: API, ws: true },
    },
  },
});
