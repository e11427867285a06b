import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../logger.js';
import type { Launcher } from '../../sandbox/index.js';
import type { Interpreters } from '../runtime/interpreters.js';
import type { FunctionSpec, LayerSpec } from '../types.js';

/** Where builds go, inside the workspace (as `sam build` puts its own in `.aws-sam/build`). */
export const BUILD_DIR = '.aws-sam/nimbus';
const MARKER = '.nimbus-build.json';
const MAX_LOG = 64 * 1024;
const MAX_SOURCE_FILES = 20_000;
const BUILD_TIMEOUT_MS = 10 * 60 * 1000;
/** What a build may learn of the server's environment: where packages come from, nothing else. */
const PASSED_ENV =
  /^(npm_config_registry|NPM_CONFIG_REGISTRY|PIP_INDEX_URL|PIP_EXTRA_INDEX_URL|PIP_FIND_LINKS|PIP_NO_INDEX|HTTPS?_PROXY|https?_proxy|NO_PROXY|no_proxy)$/;

/** What running a function needs from its builds. */
export interface Prepared {
  /** Where the handler is found: the source folder, or the esbuild / makefile artifacts. */
  codeDir: string;
  /** Installed packages: node_modules folders (after the layers', before the SDK), Python folders (first). */
  nodePaths: string[];
  pythonPaths: string[];
  /** Layer folders as built (a built layer's artifacts come after the layer's own folder). */
  layers: LayerSpec[];
  /** Tells builds apart: an environment started for one build is not reused for another. */
  key: string;
  /** What the builds that ran for this call printed (empty when everything came from the cache). */
  log: string;
}

export class BuildFailure extends Error {
  constructor(
    message: string,
    readonly log: string,
  ) {
    super(message);
  }
}

export interface BuilderDeps {
  root: string;
  launcher: Launcher;
  interpreters: Interpreters;
  log: Logger;
  /** A function's build started or ended (the sidebar shows it). */
  onState(functionName: string, state: 'building' | 'built' | 'failed', log: string): void;
}

interface Step {
  /** Folder the step writes (under BUILD_DIR), named by what it was built from. */
  out: string;
  title: string;
  command: string;
  args: string[];
  cwd: string;
  env?: Record<string, string>;
  /** Files written before the command runs (npm installs from a copy of the manifest): path and bytes. */
  files?: [string, Buffer][];
  readOnly?: string[];
}

const sha = (...parts: (string | Buffer)[]): string => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 16);
};

const readIf = (file: string): Buffer => {
  try {
    return fs.readFileSync(file);
  } catch {
    return Buffer.alloc(0);
  }
};

/** A package.json with dependencies to install (dev dependencies are not, as `sam build` leaves them out). */
function hasDependencies(dir: string): boolean {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    return !!pkg.dependencies && Object.keys(pkg.dependencies).length > 0;
  } catch {
    return false;
  }
}

function withoutDevDependencies(dir: string): Buffer {
  const pkg = JSON.parse(readIf(path.join(dir, 'package.json')).toString('utf8') || '{}') as Record<string, unknown>;
  delete pkg.devDependencies;
  return Buffer.from(JSON.stringify(pkg, null, 2));
}

function hasRequirements(dir: string): boolean {
  return readIf(path.join(dir, 'requirements.txt'))
    .toString('utf8')
    .split('\n')
    .some((l) => l.trim() !== '' && !l.trim().startsWith('#'));
}

/** A key for a source tree: every file's path, size and modification time (not its bytes: cheap and enough here). */
function sourceKey(dir: string): string {
  const h = createHash('sha256');
  let budget = MAX_SOURCE_FILES;
  const walk = (rel: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      if (budget-- <= 0) return;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && e.name !== '.aws-sam' && e.name !== '.git') walk(r);
      } else if (e.isFile()) {
        const st = fs.statSync(path.join(dir, r), { throwIfNoEntry: false });
        if (st) h.update(`${r}\0${st.size}\0${st.mtimeMs}\n`);
      }
    }
  };
  walk('');
  return h.digest('hex').slice(0, 16);
}

/** esbuild's own binary, run in the workspace's sandbox (it reads the workspace's files, so never on the server). */
function esbuildBinary(): string {
  const require = createRequire(import.meta.url);
  const arch = process.arch === 'x64' ? 'x64' : process.arch;
  return path.join(path.dirname(require.resolve(`@esbuild/${process.platform}-${arch}/package.json`)), 'bin', 'esbuild');
}

/** SAM's esbuild BuildProperties as esbuild's command-line flags. */
function esbuildArgs(props: Record<string, unknown>, out: string): string[] {
  const list = (v: unknown): string[] =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
  const bool = (v: unknown, fallback: boolean): boolean =>
    typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : fallback;
  const entries = list(props.EntryPoints);
  if (entries.length === 0) throw new BuildFailure('esbuild: Metadata.BuildProperties.EntryPoints is missing', '');
  for (const e of entries) {
    const rel = path.posix.normalize(e.replace(/\\/g, '/'));
    if (rel.startsWith('../') || path.isAbsolute(rel))
      throw new BuildFailure(`esbuild: entry point ${e} leads outside the code folder`, '');
  }
  const args = [...entries, `--outdir=${out}`, '--platform=node', `--format=${props.Format === 'esm' ? 'esm' : 'cjs'}`];
  if (bool(props.Bundle, true)) args.push('--bundle');
  if (bool(props.Minify, true)) args.push('--minify');
  if (bool(props.Sourcemap, false)) args.push('--sourcemap');
  args.push(`--target=${typeof props.Target === 'string' ? props.Target : 'es2020'}`);
  for (const x of list(props.External)) args.push(`--external:${x}`);
  for (const x of list(props.Loader)) args.push(`--loader:${x}`);
  for (const x of list(props.OutExtension)) args.push(`--out-extension:${x}`);
  for (const x of list(props.Banner)) args.push(`--banner:${x}`);
  for (const x of list(props.Footer)) args.push(`--footer:${x}`);
  if (typeof props.MainFields === 'string' || Array.isArray(props.MainFields))
    args.push(`--main-fields=${list(props.MainFields).join(',')}`);
  if (bool(props.KeepNames, false)) args.push('--keep-names');
  return args;
}

/**
 * Builds functions the way `sam build` does, on their first invocation and whenever what they are built
 * from changes: `package.json` dependencies (npm), `requirements.txt` (pip), `BuildMethod: esbuild` and
 * `makefile`, and layers with a BuildMethod. Every build runs in the workspace's sandbox (install scripts
 * and Makefiles are the workspace's code), into `.aws-sam/nimbus/<step>-<hash>`, where it stays: the
 * same inputs are never built twice, across restarts too. Builds of different functions run at once;
 * one function waits only for its own.
 */
export class Builder {
  private readonly running = new Map<string, Promise<string>>();
  /** Source keys of esbuild / makefile functions, until their code changes. */
  private readonly sources = new Map<string, string>();
  /** What each function was last prepared with, until code or build output changes: a warm invocation reads no file. */
  private prepared = new WeakMap<FunctionSpec, Prepared>();

  constructor(private readonly deps: BuilderDeps) {}

  /** The code changed: source trees are looked at again at the next invocation. */
  invalidate(): void {
    this.sources.clear();
    this.prepared = new WeakMap();
  }

  /** Build output was removed (`.aws-sam` deleted, say): what is built is looked for again. */
  forgetPrepared(): void {
    this.prepared = new WeakMap();
  }

  /** Builds what the function needs (or finds it built). Throws BuildFailure with the log when a build fails. */
  async prepare(spec: FunctionSpec): Promise<Prepared> {
    const known = this.prepared.get(spec);
    if (known) return { ...known, log: '' };
    const result = await this.prepareNow(spec);
    this.prepared.set(spec, result);
    return result;
  }

  private async prepareNow(spec: FunctionSpec): Promise<Prepared> {
    const prepared: Prepared = { codeDir: spec.codeDir, nodePaths: [], pythonPaths: [], layers: [...spec.layers], key: '', log: '' };
    if (spec.codeUri === undefined) return prepared; // inline code: nothing to build
    const steps = await this.stepsOf(spec, prepared);
    if (steps.length === 0) return prepared;
    let announced = false;
    const logs: string[] = [];
    try {
      for (const step of steps) {
        const done = this.builtLog(step.out);
        if (done !== undefined) continue;
        if (!announced) {
          announced = true;
          this.deps.onState(spec.name, 'building', '');
        }
        logs.push(await this.run(step));
      }
    } catch (err) {
      const log = [...logs, err instanceof BuildFailure ? err.log : ''].join('');
      this.deps.onState(spec.name, 'failed', log);
      throw new BuildFailure((err as Error).message, log);
    }
    prepared.log = logs.join('');
    prepared.key = sha(...steps.map((s) => s.out));
    if (announced) this.deps.onState(spec.name, 'built', prepared.log);
    return prepared;
  }

  /** The steps a function's code needs, in order; fills in where the results will be. */
  private async stepsOf(spec: FunctionSpec, prepared: Prepared): Promise<Step[]> {
    const steps: Step[] = [];
    const base = path.join(this.deps.root, BUILD_DIR);
    const node = spec.runtime.startsWith('nodejs');
    const python = spec.runtime.startsWith('python');
    const interpreter = node || python ? await this.deps.interpreters.choose(spec.runtime) : undefined;
    const npmStep = (dir: string, into: string, title: string): Step => {
      const lock = readIf(path.join(dir, 'package-lock.json'));
      const key = sha(
        readIf(path.join(dir, 'package.json')),
        lock,
        readIf(path.join(dir, '.npmrc')),
        spec.runtime,
        spec.architectures.join(),
      );
      const out = path.join(base, `npm-${key}`);
      const target = into ? path.join(out, into) : out;
      return {
        out,
        title,
        command: process.execPath,
        args: [
          npmCli(),
          lock.length > 0 ? 'ci' : 'install',
          '--omit=dev',
          '--no-audit',
          '--no-fund',
          '--no-update-notifier',
          '--cache',
          path.join(base, '.npm-cache'),
        ],
        cwd: target,
        files: [
          // Without a lockfile, development dependencies are left out of the manifest: npm would still
          // resolve them (from the registry) although --omit=dev never installs them.
          [path.join(target, 'package.json'), lock.length > 0 ? readIf(path.join(dir, 'package.json')) : withoutDevDependencies(dir)],
          ...(lock.length > 0 ? [[path.join(target, 'package-lock.json'), lock] as [string, Buffer]] : []),
          ...(fs.existsSync(path.join(dir, '.npmrc'))
            ? [[path.join(target, '.npmrc'), readIf(path.join(dir, '.npmrc'))] as [string, Buffer]]
            : []),
        ],
      };
    };
    const pipStep = (dir: string, into: string, title: string): Step => {
      const key = sha(readIf(path.join(dir, 'requirements.txt')), interpreter?.version ?? '', spec.architectures.join());
      const out = path.join(base, `pip-${key}`);
      return {
        out,
        title,
        command: interpreter?.executable ?? 'python3',
        args: [
          '-m',
          'pip',
          'install',
          '-r',
          'requirements.txt',
          '-t',
          into ? path.join(out, into) : out,
          '--no-input',
          '--disable-pip-version-check',
          '--cache-dir',
          path.join(base, '.pip-cache'),
        ],
        cwd: dir,
        readOnly: interpreter?.readOnly ?? [],
      };
    };
    const makeStep = (dir: string, target: string, title: string): Step => {
      const out = path.join(base, `make-${target}-${sha(this.sourcesOf(dir), target)}`);
      return { out, title, command: 'make', args: [`build-${target}`], cwd: dir, env: { ARTIFACTS_DIR: out } };
    };

    for (const layer of spec.layers) {
      const m = layer.buildMethod;
      if (!m) continue;
      let step: Step | undefined;
      if (m.startsWith('nodejs') && hasDependencies(layer.dir))
        step = npmStep(layer.dir, 'nodejs', `layer ${layer.logicalId}: npm install`);
      else if (m.startsWith('python') && hasRequirements(layer.dir))
        step = pipStep(layer.dir, 'python', `layer ${layer.logicalId}: pip install`);
      else if (m === 'makefile') step = makeStep(layer.dir, layer.logicalId, `layer ${layer.logicalId}: make build-${layer.logicalId}`);
      if (!step) continue;
      steps.push(step);
      const i = prepared.layers.indexOf(layer);
      // A makefile's artifacts are the layer; installed packages come beside its own folder.
      if (m === 'makefile') prepared.layers[i] = { logicalId: layer.logicalId, dir: step.out };
      else prepared.layers.splice(i + 1, 0, { logicalId: `${layer.logicalId} (built)`, dir: step.out });
    }

    const build = spec.build;
    if (build?.method === 'makefile') {
      const step = makeStep(spec.codeDir, spec.logicalId, `make build-${spec.logicalId}`);
      steps.push(step);
      prepared.codeDir = step.out;
      return steps;
    }
    if (node && hasDependencies(spec.codeDir)) {
      const step = npmStep(spec.codeDir, '', 'npm install');
      steps.push(step);
      prepared.nodePaths.push(path.join(step.out, 'node_modules'));
    }
    if (python && hasRequirements(spec.codeDir)) {
      const step = pipStep(spec.codeDir, '', 'pip install -r requirements.txt');
      steps.push(step);
      prepared.pythonPaths.push(step.out);
    }
    if (build?.method === 'esbuild') {
      const key = sha(this.sourcesOf(spec.codeDir), JSON.stringify(build.properties), ...prepared.nodePaths);
      const out = path.join(base, `esbuild-${key}`);
      steps.push({
        out,
        title: 'esbuild',
        command: esbuildBinary(),
        args: esbuildArgs(build.properties, out),
        cwd: spec.codeDir,
        // Packages it installed are found by the bundler as Node would find them.
        env: prepared.nodePaths.length ? { NODE_PATH: prepared.nodePaths.join(':') } : {},
        readOnly: [path.dirname(path.dirname(esbuildBinary()))],
      });
      prepared.codeDir = out;
      prepared.nodePaths = []; // bundled in
    }
    return steps;
  }

  private sourcesOf(dir: string): string {
    let key = this.sources.get(dir);
    if (key === undefined) {
      key = sourceKey(dir);
      this.sources.set(dir, key);
    }
    return key;
  }

  /** The log of a finished build of this folder, if there is one. */
  private builtLog(out: string): string | undefined {
    try {
      const marker = JSON.parse(fs.readFileSync(path.join(out, MARKER), 'utf8')) as { log?: unknown };
      return typeof marker.log === 'string' ? marker.log : '';
    } catch {
      return undefined;
    }
  }

  /** Runs one step (or waits for the same one already running), in the sandbox, into a fresh folder. */
  private run(step: Step): Promise<string> {
    let p = this.running.get(step.out);
    if (!p) {
      p = this.runNow(step).finally(() => this.running.delete(step.out));
      this.running.set(step.out, p);
    }
    return p;
  }

  private async runNow(step: Step): Promise<string> {
    const started = performance.now();
    fs.rmSync(step.out, { recursive: true, force: true });
    fs.mkdirSync(step.out, { recursive: true });
    if (step.cwd.startsWith(step.out + path.sep)) fs.mkdirSync(step.cwd, { recursive: true });
    for (const [file, bytes] of step.files ?? []) fs.writeFileSync(file, bytes);
    const env: Record<string, string> = {
      PATH: [path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
      HOME: path.join(this.deps.root, BUILD_DIR, '.home'),
      LANG: 'en_US.UTF-8',
      ...Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => PASSED_ENV.test(e[0]) && e[1] !== undefined)),
      ...step.env,
    };
    fs.mkdirSync(env.HOME as string, { recursive: true });
    const launch = this.deps.launcher.wrap({
      command: step.command,
      args: step.args,
      env,
      cwd: step.cwd,
      purpose: 'function',
      readOnly: [path.dirname(process.execPath), path.dirname(path.dirname(npmCli())), ...(step.readOnly ?? [])],
    });
    let output = `NIMBUS BUILD ${step.title}\n`;
    const code = await new Promise<number | string>((resolve) => {
      const child = spawn(launch.command, launch.args, {
        cwd: launch.cwd,
        env: launch.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      const add = (chunk: Buffer): void => {
        if (output.length < MAX_LOG) output += chunk.toString('utf8');
      };
      child.stdout.on('data', add);
      child.stderr.on('data', add);
      const timer = setTimeout(() => {
        try {
          process.kill(-(child.pid as number), 'SIGKILL');
        } catch {
          // already gone
        }
      }, BUILD_TIMEOUT_MS);
      child.on('error', (err) => resolve(err.message));
      child.on('close', (c, signal) => {
        clearTimeout(timer);
        resolve(c ?? String(signal));
      });
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (code !== 0) {
      output += `NIMBUS BUILD ${step.title} failed (${typeof code === 'number' ? `exit status ${code}` : code}) after ${seconds} s\n`;
      fs.rmSync(step.out, { recursive: true, force: true });
      throw new BuildFailure(`the build failed: ${step.title}`, output);
    }
    output += `NIMBUS BUILD ${step.title} done in ${seconds} s\n`;
    fs.writeFileSync(path.join(step.out, MARKER), JSON.stringify({ log: output }));
    this.deps.log.info({ step: step.title, out: step.out, seconds }, 'function built');
    return output;
  }
}

/** npm's own entry script beside this node (the one the server runs on). */
function npmCli(): string {
  const candidates = [
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
    path.join(path.dirname(process.execPath), 'node_modules', 'npm', 'bin', 'npm-cli.js'),
  ];
  return candidates.find((c) => fs.existsSync(c)) ?? (candidates[0] as string);
}
