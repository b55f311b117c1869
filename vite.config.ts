import { defineConfig } from 'vite';

/**
 * The PWA build (Solid, workbox and the engine worker join with the app issue).
 * Until then it serves app/ and the bundled data in public/ as they are.
 * COOP/COEP let onnxruntime-web use threads (SharedArrayBuffer) once the models run in the browser.
 */
export default defineConfig({
  root: 'app',
  publicDir: '../public',
  build: { outDir: '../dist', emptyOutDir: true },
  server: {
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
  },
  preview: {
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
  },
});
