import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread from `file` next to the module at `fromUrl` (pass `import.meta.url`): the
 * compiled `.js`, or, from TypeScript sources (tests, `npm run dev`), the `.ts` through tsx's loader.
 */
export function startWorker(fromUrl: string, file: string, workerData?: unknown): Worker {
  const options = workerData === undefined ? {} : { workerData };
  if (fromUrl.endsWith('.ts')) {
    const url = new URL(`./${file}.ts`, fromUrl).href;
    const code = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url)}); })`;
    return new Worker(code, { eval: true, ...options });
  }
  return new Worker(new URL(`./${file}.js`, fromUrl), options);
}
