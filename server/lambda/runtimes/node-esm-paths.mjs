// Module resolution hook of Nimbus's Node.js runtime (registered by node-runtime.mjs): an ES module's
// bare import that Node cannot resolve from the importing file is tried again from each NODE_PATH
// folder (the layers' nodejs/node_modules, then the SDK the runtime ships), as Lambda resolves it.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

let parents = [];

export function initialize(data) {
  // Resolving as if imported from a file beside each node_modules folder makes Node look inside it.
  parents = (data?.dirs ?? []).map((dir) => pathToFileURL(path.join(path.dirname(dir), '__nimbus_resolve__.mjs')).href);
}

const isBare = (specifier) => !/^(\.|\/|[a-z][a-z0-9+.-]*:)/i.test(specifier);

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !isBare(specifier)) throw err;
    for (const parentURL of parents) {
      try {
        return await nextResolve(specifier, { ...context, parentURL });
      } catch (again) {
        if (again?.code !== 'ERR_MODULE_NOT_FOUND') throw again;
      }
    }
    throw err;
  }
}
