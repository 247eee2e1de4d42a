import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/** `npm start` at the root serves the API (and Socket.IO) here; the dev server forwards to it. */
const API = 'http://127.0.0.1:3000';

export default defineConfig({
  base: '/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    proxy: {
      '/api': API,
      '/.well-known': API,
      '/socket.io': { target: API, ws: true },
    },
  },
});
