import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

/**
 * Brotli and gzip copies of every text asset, made once at build time (the server sends the one the
 * browser accepts; compressing 4 MB of Monaco on each request would cost the server every time).
 */
function precompress(): Plugin {
  return {
    name: 'nimbus-precompress',
    apply: 'build',
    enforce: 'post',
    // From the files written (Vite rewrites its preload markers after plugins see the chunks).
    writeBundle(options, bundle) {
      for (const file of Object.values(bundle)) {
        if (!/\.(js|css|svg|json|ttf|html|map)$/.test(file.fileName)) continue;
        const out = path.join(options.dir ?? '', file.fileName);
        const bytes = fs.readFileSync(out);
        if (bytes.length < 1024) continue;
        const brotli = zlib.brotliCompressSync(bytes, {
          params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 10, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
        });
        fs.writeFileSync(`${out}.br`, brotli);
        fs.writeFileSync(`${out}.gz`, zlib.gzipSync(bytes, { level: 9 }));
      }
    },
  };
}

/**
 * Asks the browser for the editor stage (our editor features, Monaco, xterm) while the frame paints:
 * `modulepreload` links fetch and compile the chunks without running them, so when main.ts imports them
 * after the first paint they only have to run. (The entry's own imports are preloaded by Vite already.)
 */
function preloadEditorStage(): Plugin {
  return {
    name: 'nimbus-preload-editor-stage',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const bundle = ctx.bundle;
        if (!bundle) return [];
        const chunks = Object.values(bundle).filter((c) => c.type === 'chunk');
        const stages = chunks.filter((c) => /workbench\/editorStage\.ts$|terminal\/installTerminals\.ts$/.test(c.facadeModuleId ?? ''));
        const files = new Set<string>();
        for (const stage of stages) {
          files.add(stage.fileName);
          for (const dep of stage.imports) files.add(dep);
        }
        return [...files].map((file) => ({
          tag: 'link',
          attrs: { rel: 'modulepreload', crossorigin: true, href: `./${file}` },
          injectTo: 'head' as const,
        }));
      },
    },
  };
}

export default defineConfig({
  root: 'client',
  // Relative: the server puts the base path in front (`/ide/assets/…` behind a proxy), and chunks find each
  // other from their own URL.
  base: './',
  build: {
    outDir: '../dist/client',
    emptyOutDir: true,
    chunkSizeWarningLimit: 8000,
    sourcemap: false,
    rollupOptions: {
      output: {
        // Monaco and xterm.js in chunks of their own: a Nimbus upgrade that changes only our code leaves
        // their cached copies valid, and what runs in the page can be told apart by file (the listener
        // leak test counts only listeners that our code left behind).
        manualChunks(id) {
          // Vite's and Rollup's helpers would otherwise join the first manual chunk that needs them, and
          // the entry would then load all of Monaco before the first paint.
          if (id === '\0vite/preload-helper.js' || id === '\0commonjsHelpers.js') return 'helpers';
          // Its languages and language services stay in the chunks they are lazily loaded from.
          if (id.includes('/node_modules/monaco-editor/'))
            return /\/(basic-languages|language)\/.*(?<!contribution)\.js$/.test(id) ? undefined : 'monaco';
          if (id.includes('/node_modules/@xterm/')) return 'xterm';
          return undefined;
        },
      },
      onwarn(warning, warn) {
        // zod ships comments Rollup cannot place; harmless, and noise in every build.
        if (warning.code === 'INVALID_ANNOTATION') return;
        warn(warning);
      },
    },
  },
  plugins: [preloadEditorStage(), precompress()],
  worker: { format: 'es' },
});
