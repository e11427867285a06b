import { parse as parseJsonc, type ParseError } from 'jsonc-parser';
import { normalizeRelPath } from '../../../shared/paths.js';
import { monaco } from './monaco.js';

/**
 * Typings for JavaScript and TypeScript files, as in VS Code: Node.js's (`fs.`, `process.` and
 * `require('path')` complete), the workspace's own `node_modules/@types`, and the compiler options of
 * its `tsconfig.json` (or `jsconfig.json`). Node.js's declarations (@types/node, the version Nimbus
 * runs on) are bundled as lazy chunks; all of it is given to Monaco's TypeScript service the first time
 * a JavaScript or TypeScript file opens, so the first load of the IDE does not carry them.
 */
const declarations = import.meta.glob<string>(
  ['../../../node_modules/@types/node/**/*.d.ts', '!../../../node_modules/@types/node/ts5.*/**'],
  { query: '?raw', import: 'default' },
);

/** Where the workspace's typings and project settings come from (set once by the editor stage). */
export interface TypingsSource {
  /** Models of this workspace live under `file:///<workspaceId>/`. */
  workspaceId: string;
  /** Declaration files of `node_modules/@types`, by path in the workspace. */
  workspaceTypings(): Promise<{ path: string; text: string }[]>;
  /** A file's text, or undefined when it does not exist. */
  readOptional(path: string): Promise<string | undefined>;
}

let source: TypingsSource | undefined;
let loading: Promise<void> | undefined;

export function setTypingsSource(next: TypingsSource): void {
  source = next;
}

/** Once the page is idle (the file is on screen first; completions a moment later), or after 2 s at the latest. */
const whenIdle = (): Promise<void> =>
  new Promise((resolve) =>
    typeof requestIdleCallback === 'function' ? requestIdleCallback(() => resolve(), { timeout: 2_000 }) : setTimeout(resolve, 0),
  );

type CompilerOptions = monaco.languages.typescript.CompilerOptions;

const BASE_OPTIONS: CompilerOptions = {
  target: 99, // ESNext
  module: 99, // ESNext
  moduleResolution: 2, // Node
  allowJs: true,
  allowNonTsExtensions: true,
  esModuleInterop: true,
  allowSyntheticDefaultImports: true,
  types: ['node'],
  lib: ['es2022', 'dom'],
};

// TypeScript's own numbers for the options a tsconfig.json spells as names.
const ENUMS: Record<string, Record<string, number>> = {
  target: {
    es3: 0,
    es5: 1,
    es6: 2,
    es2015: 2,
    es2016: 3,
    es2017: 4,
    es2018: 5,
    es2019: 6,
    es2020: 7,
    es2021: 8,
    es2022: 9,
    es2023: 10,
    es2024: 11,
    esnext: 99,
  },
  module: {
    none: 0,
    commonjs: 1,
    amd: 2,
    umd: 3,
    system: 4,
    es6: 5,
    es2015: 5,
    es2020: 6,
    es2022: 7,
    esnext: 99,
    node16: 100,
    node18: 101,
    nodenext: 199,
    preserve: 200,
  },
  moduleResolution: { classic: 1, node: 2, node10: 2, node16: 3, nodenext: 99, bundler: 100 },
  jsx: { none: 0, preserve: 1, react: 2, 'react-native': 3, 'react-jsx': 4, 'react-jsxdev': 5 },
  newLine: { crlf: 0, lf: 1 },
};
/** Options taken as they are (booleans and strings the editor's checks depend on). */
const PLAIN = new Set([
  'strict',
  'noImplicitAny',
  'strictNullChecks',
  'strictFunctionTypes',
  'strictBindCallApply',
  'strictPropertyInitialization',
  'noImplicitThis',
  'useUnknownInCatchVariables',
  'alwaysStrict',
  'noImplicitReturns',
  'noFallthroughCasesInSwitch',
  'noUncheckedIndexedAccess',
  'noImplicitOverride',
  'noPropertyAccessFromIndexSignature',
  'exactOptionalPropertyTypes',
  'noUnusedLocals',
  'noUnusedParameters',
  'allowJs',
  'checkJs',
  'esModuleInterop',
  'allowSyntheticDefaultImports',
  'experimentalDecorators',
  'emitDecoratorMetadata',
  'resolveJsonModule',
  'allowImportingTsExtensions',
  'verbatimModuleSyntax',
  'isolatedModules',
  'jsxImportSource',
  'jsxFactory',
  'jsxFragmentFactory',
  'useDefineForClassFields',
  'downlevelIteration',
  'skipLibCheck',
]);

/**
 * The compiler options of a tsconfig.json/jsconfig.json text (comments and trailing commas allowed, as
 * TypeScript reads it), as Monaco's TypeScript service takes them; unknown or ill-typed options are left
 * out. `root` is where the project's folder is in the editor's file system (for baseUrl and paths).
 */
export function compilerOptionsOf(text: string, root: string): { options: CompilerOptions; errors: number } {
  const errors: ParseError[] = [];
  const parsed: unknown = parseJsonc(text, errors, { allowTrailingComma: true });
  const raw = (parsed as { compilerOptions?: unknown } | undefined)?.compilerOptions;
  const options: CompilerOptions = {};
  if (!raw || typeof raw !== 'object') return { options, errors: errors.length };
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const names = ENUMS[key];
    if (names) {
      const n = typeof value === 'string' ? names[value.toLowerCase()] : undefined;
      if (n !== undefined) options[key] = n;
    } else if (PLAIN.has(key) && (typeof value === 'boolean' || typeof value === 'string')) options[key] = value;
    else if ((key === 'lib' || key === 'types') && Array.isArray(value) && value.every((v) => typeof v === 'string'))
      options[key] = key === 'lib' ? value.map((v: string) => v.toLowerCase()) : value;
    else if (key === 'baseUrl' && typeof value === 'string') {
      const rel = normalizeRelPath(value); // inside the project (no `..`)
      if (rel !== undefined) options.baseUrl = rel ? `${root}/${rel}` : root;
    } else if (key === 'paths' && value && typeof value === 'object' && !Array.isArray(value))
      options.paths = value as Record<string, string[]>;
  }
  // `paths` are relative to baseUrl, or to the tsconfig's folder without one.
  if (options.paths && options.baseUrl === undefined) options.baseUrl = root;
  return { options, errors: errors.length };
}

export function ensureNodeTypings(): Promise<void> {
  loading ??= (async () => {
    await whenIdle();
    const ts = monaco.languages.typescript;
    const from = source;
    const root = from ? `/${from.workspaceId}` : '';
    // The project's own options win over Nimbus's defaults (a tsconfig.json first, else a jsconfig.json).
    const config = from ? ((await from.readOptional('tsconfig.json')) ?? (await from.readOptional('jsconfig.json'))) : undefined;
    const options = { ...BASE_OPTIONS, ...(config ? compilerOptionsOf(config, root).options : {}) };
    ts.typescriptDefaults.setCompilerOptions(options);
    ts.javascriptDefaults.setCompilerOptions(options);
    const [bundled, workspace] = await Promise.all([
      Promise.all(Object.entries(declarations).map(async ([file, load]) => [file, await load()] as const)),
      from ? from.workspaceTypings().catch(() => []) : Promise.resolve([]),
    ]);
    const workspaceHasNode = workspace.some((f) => f.path.startsWith('node_modules/@types/node/'));
    // Where a real project has them, so `/// <reference>`s and `import ... from './fs'` inside resolve.
    if (!workspaceHasNode) {
      for (const [file, text] of bundled) addLib(text, `file:///${file.slice(file.indexOf('node_modules/'))}`);
    }
    for (const file of workspace) addLib(file.text, `file://${root}/${file.path}`);
  })();
  return loading;
}

function addLib(text: string, uri: string): void {
  const ts = monaco.languages.typescript;
  ts.typescriptDefaults.addExtraLib(text, uri);
  ts.javascriptDefaults.addExtraLib(text, uri);
}
