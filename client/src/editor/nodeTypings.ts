import { monaco } from './monaco.js';

/**
 * Node.js typings for JavaScript and TypeScript files: `fs.`, `process.` and `require('path')` complete
 * as in VS Code. The declarations (@types/node, the version Nimbus runs on) are bundled as lazy chunks
 * and given to Monaco's TypeScript service the first time a JavaScript or TypeScript file opens, so the
 * first load of the IDE does not carry them.
 */
const declarations = import.meta.glob<string>(
  ['../../../node_modules/@types/node/**/*.d.ts', '!../../../node_modules/@types/node/ts5.*/**'],
  { query: '?raw', import: 'default' },
);

let loading: Promise<void> | undefined;

/** Once the page is idle (the file is on screen first; completions a moment later), or after 2 s at the latest. */
const whenIdle = (): Promise<void> =>
  new Promise((resolve) =>
    typeof requestIdleCallback === 'function' ? requestIdleCallback(() => resolve(), { timeout: 2_000 }) : setTimeout(resolve, 0),
  );

export function ensureNodeTypings(): Promise<void> {
  loading ??= (async () => {
    await whenIdle();
    const ts = monaco.languages.typescript;
    const options: monaco.languages.typescript.CompilerOptions = {
      target: ts.ScriptTarget.ESNext,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.NodeJs,
      allowJs: true,
      allowNonTsExtensions: true,
      esModuleInterop: true,
      allowSyntheticDefaultImports: true,
      types: ['node'],
      lib: ['es2022', 'dom'],
    };
    ts.typescriptDefaults.setCompilerOptions(options);
    ts.javascriptDefaults.setCompilerOptions(options);
    const files = await Promise.all(Object.entries(declarations).map(async ([file, load]) => [file, await load()] as const));
    for (const [file, text] of files) {
      // Where a real project has them, so `/// <reference>`s and `import ... from './fs'` inside resolve.
      const uri = `file:///${file.slice(file.indexOf('node_modules/'))}`;
      ts.typescriptDefaults.addExtraLib(text, uri);
      ts.javascriptDefaults.addExtraLib(text, uri);
    }
  })();
  return loading;
}
