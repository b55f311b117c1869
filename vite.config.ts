import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';
import { VitePWA } from 'vite-plugin-pwa';

/**
 * The cockpit PWA: Solid, the engine in a module worker, a generated service
 * worker that precaches the shell, the bundled data, the demo models and
 * onnxruntime's wasm, so the app starts and replays offline.
 * COOP/COEP make the page cross-origin isolated (SharedArrayBuffer, as
 * onnxruntime threads need); every file is same-origin, so nothing is blocked.
 */
const COOP_COEP = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: 'app',
  publicDir: '../public',
  base: './',
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1000,
    // The PWA plugin's precache step is slow by nature; the timing report on every build is noise.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  // ES workers: the engine worker imports onnxruntime, which code-splits.
  worker: { format: 'es', rolldownOptions: { checks: { bundlerTimings: false } } },
  plugins: [
    solid(),
    VitePWA({
      registerType: 'prompt',
      injectRegister: false, // app/components/UpdatePrompt.tsx registers it, to show "new version ready"
      manifestFilename: 'manifest.webmanifest',
      includeAssets: ['icons/*.svg'],
      manifest: {
        name: 'TradeGuard',
        short_name: 'TradeGuard',
        description: 'A personal trading cockpit: ONNX trading agents on paper and live accounts.',
        theme_color: '#0d1117',
        background_color: '#0d1117',
        display: 'standalone',
        start_url: './',
        scope: './',
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        globPatterns: ['**/*.{js,mjs,css,html,wasm,csv,onnx,json,png,svg,webmanifest}'],
        // The WebGPU build of onnxruntime (~28 MB) loads only when the user asks for WebGPU: not precached.
        globIgnores: ['**/*jsep*', '**/*jspi*', '**/*asyncify*'],
        // onnxruntime's wasm is ~14 MB.
        maximumFileSizeToCacheInBytes: 30 * 1024 * 1024,
        navigateFallback: 'index.html',
        cleanupOutdatedCaches: true,
      },
    }),
  ],
  // protobufjs is CommonJS: pre-bundled to ESM. onnxruntime-web is served as-is, so its
  // import.meta.url still points at its dist/ and it fetches its wasm next to itself.
  optimizeDeps: { include: ['protobufjs/light.js'], exclude: ['onnxruntime-web'] },
  server: { headers: COOP_COEP },
  preview: { headers: COOP_COEP },
});
