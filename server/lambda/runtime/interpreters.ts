import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A node or python that can serve a runtime, with its version. */
export interface Interpreter {
  executable: string;
  /** `20.20.2`, `3.11.7`. */
  version: string;
  /** Folders the sandbox must show read-only for it to run (its install prefix, its standard library). */
  readOnly: string[];
}

/** The interpreter serving a runtime, and whether its version is the one the runtime names. */
export interface InterpreterChoice extends Interpreter {
  exact: boolean;
  /** Said in the sidebar and the log when the version differs (undefined when it is exact). */
  note?: string;
}

const PYTHON_PROBE = 'import sys; print(sys.version.split()[0]); print(sys.executable); print(sys.prefix); print(sys.base_prefix)';

/** `nodejs22.x` → [22], `python3.12` → [3, 12]. */
function wanted(runtime: string): number[] {
  const node = /^nodejs(\d+)\.x$/.exec(runtime);
  if (node) return [Number(node[1])];
  const py = /^python(\d+)\.(\d+)$/.exec(runtime);
  return py ? [Number(py[1]), Number(py[2])] : [];
}

const parts = (version: string): number[] => version.split('.').map((p) => Number.parseInt(p, 10) || 0);

/** How far a version is from the wanted one (0: it is that version); newer ones win ties. */
function distance(version: string, want: number[]): number {
  const v = parts(version);
  if (want.length === 1) return Math.abs((v[0] ?? 0) - (want[0] as number)) * 2 - ((v[0] ?? 0) > (want[0] as number) ? 1 : 0);
  const diff = ((v[0] ?? 0) - (want[0] as number)) * 100 + ((v[1] ?? 0) - (want[1] as number));
  return Math.abs(diff) * 2 - (diff > 0 ? 1 : 0);
}

/**
 * Which node or python serves each Lambda runtime: the one configured for it (`--lambda-interpreter
 * nodejs22.x=/opt/node22/bin/node`), else the closest version among those configured and those found
 * (this server's own node; `python3` and `python3.N` on the PATH). Versions are read once per binary.
 */
export class Interpreters {
  private readonly probes = new Map<string, Promise<Interpreter | undefined>>();
  private pythonsFound: Promise<string[]> | undefined;

  constructor(private readonly configured: Record<string, string> = {}) {}

  async choose(runtime: string): Promise<InterpreterChoice | undefined> {
    const want = wanted(runtime);
    if (want.length === 0) return undefined;
    const node = runtime.startsWith('nodejs');
    const own = this.configured[runtime];
    // The configured one serves its runtime whatever its version says.
    let chosen = own ? await this.probe(own, node) : undefined;
    if (!chosen) {
      const candidates = [
        ...Object.entries(this.configured)
          .filter(([r]) => r.startsWith(node ? 'nodejs' : 'python'))
          .map(([, p]) => p),
        ...(node ? [process.execPath] : await this.pythonsOnPath()),
      ];
      const found = (await Promise.all([...new Set(candidates)].map((c) => this.probe(c, node)))).filter(
        (i): i is Interpreter => i !== undefined,
      );
      chosen = found.sort((a, b) => distance(a.version, want) - distance(b.version, want))[0];
    }
    if (!chosen) return undefined;
    const exact = distance(chosen.version, want) <= 0;
    const label = node ? 'Node.js' : 'Python';
    const binary = node ? 'node' : `python${want.join('.')}`;
    return {
      ...chosen,
      exact,
      ...(exact
        ? {}
        : {
            note: `${runtime} runs on ${label} ${chosen.version} here${own ? ` (configured for it)` : ', the closest available'}: to use ${label} ${want.join('.')}, start Nimbus with --lambda-interpreter ${runtime}=/path/to/${binary}`,
          }),
    };
  }

  private probe(executable: string, node: boolean): Promise<Interpreter | undefined> {
    let p = this.probes.get(executable);
    if (!p) {
      p = (node ? this.probeNode(executable) : this.probePython(executable)).catch(() => undefined);
      this.probes.set(executable, p);
    }
    return p;
  }

  private async probeNode(executable: string): Promise<Interpreter> {
    if (executable === process.execPath) return { executable, version: process.versions.node, readOnly: [] };
    const { stdout } = await run(executable, ['-p', 'process.versions.node'], { timeout: 10_000 });
    const real = fs.realpathSync(executable);
    // node's own prefix (…/bin/node → …): where its libraries live.
    return { executable: real, version: stdout.trim(), readOnly: [path.dirname(path.dirname(real))] };
  }

  private async probePython(executable: string): Promise<Interpreter> {
    // The real interpreter, not a version manager's shim (pyenv's cost 100+ ms at every start).
    const { stdout } = await run(executable, ['-c', PYTHON_PROBE], { timeout: 10_000 });
    const [version = '', real = '', ...prefixes] = stdout.split('\n').map((l) => l.trim());
    return {
      executable: real || executable,
      version,
      readOnly: [...new Set([...prefixes.filter((p) => path.isAbsolute(p)), ...(real ? [path.dirname(real)] : [])])],
    };
  }

  /** NIMBUS_PYTHON (or `python3`), then every `python3.N` on the PATH. */
  private pythonsOnPath(): Promise<string[]> {
    this.pythonsFound ??= (async () => {
      const names = [process.env.NIMBUS_PYTHON ?? 'python3'];
      for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
        if (!path.isAbsolute(dir)) continue;
        let entries: string[];
        try {
          entries = await fs.promises.readdir(dir);
        } catch {
          continue;
        }
        for (const e of entries) if (/^python3\.\d+$/.test(e)) names.push(path.join(dir, e));
      }
      return names;
    })();
    return this.pythonsFound;
  }
}
