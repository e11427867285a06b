import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isInside } from '../files/index.js';
import { bwrapMountArgs, planMounts } from './mountPlan.js';

/** What a terminal's shell sees of the home directory of the user running Nimbus. */
export type HomeAccess = 'private' | 'read-only' | 'read-write';
export const HOME_ACCESS: readonly HomeAccess[] = ['private', 'read-only', 'read-write'];

export interface SandboxSettings {
  /** bubblewrap's binary (a name on PATH or a path). */
  bwrap: string;
  dataDir: string;
  home: HomeAccess;
  /** Every workspace folder at this moment: all but the sandbox's own are hidden from it. */
  workspaceRoots: () => string[];
}

export interface ProcessSpec {
  workspaceId: string;
  workspaceRoot: string;
  command: string;
  args: string[];
  /** The process's whole environment: nothing of the server's is added. */
  env: Record<string, string>;
  cwd: string;
  /**
   * `terminal`: the home as configured. `function` (a Lambda execution environment, or a build): no
   * home at all, whatever the setting, since a write share runs functions without a terminal grant.
   */
  purpose: 'terminal' | 'function';
  /** Host directory shown as /tmp (a fresh tmpfs otherwise). */
  tmp?: string;
  /** More host paths the process needs to read (the runtime clients, an interpreter). */
  readOnly?: string[];
}

/** A process of one workspace, as the sandbox needs to know it. */
export type LaunchSpec = Omit<ProcessSpec, 'workspaceId' | 'workspaceRoot'>;
/** Turns a process of one workspace into the command line that starts it in its sandbox. */
export interface Launcher {
  /** False where no sandbox can be made: processes then see the machine as the server does. */
  readonly sandboxed: boolean;
  wrap(spec: LaunchSpec): LaunchCommand;
}

export interface LaunchCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

/** Top-level system folders: bound read-only when they are folders, recreated when they are links (merged /usr). */
const SYSTEM_DIRS = ['/usr', '/etc', '/opt', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
/** Host secrets outside Nimbus that a process running as root could otherwise read. */
const HOST_SECRET_FILES = ['/etc/shadow', '/etc/shadow-', '/etc/gshadow', '/etc/gshadow-'];

function lstat(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
}

/**
 * Starts every process of a workspace inside bubblewrap: its own PID, IPC and UTS namespaces, no
 * capabilities, only the mounts of `planMounts`, and the environment it is given (bwrap itself is
 * started with it too, so its PID 1 holds no trace of the server's). `--die-with-parent` plus the PID
 * namespace mean that killing the first process ends everything inside, `setsid` children included.
 *
 * Where bubblewrap cannot run (not installed, no user namespaces), `available` is false and `wrap`
 * starts the command as it is, with its clean environment but the server's view of the machine.
 */
export class Sandbox {
  readonly available: boolean;
  /** Why the sandbox is unavailable (shown at start and in the share dialog). */
  readonly unavailableReason: string | undefined;
  private readonly bwrapPath: string;
  private readonly systemArgs: string[];
  private readonly systemDirs: string[];
  private readonly systemExtras: string[];
  private readonly hiddenFiles: string[];

  constructor(private readonly settings: SandboxSettings) {
    const probe = Sandbox.probe(settings.bwrap);
    this.available = probe.ok;
    this.unavailableReason = probe.ok ? undefined : probe.reason;
    this.bwrapPath = probe.ok ? probe.path : settings.bwrap;
    const { args, dirs } = Sandbox.systemLayout();
    this.systemArgs = args;
    this.systemDirs = dirs;
    this.systemExtras = Sandbox.systemExtras(dirs);
    this.hiddenFiles = [...HOST_SECRET_FILES, ...Sandbox.sshHostKeys()].filter((f) => lstat(f)?.isFile());
  }

  /** Starts `bwrap` once with the namespaces the sandbox uses; any failure says why. */
  static probe(bwrap: string): { ok: true; path: string } | { ok: false; reason: string } {
    const r = spawnSync(bwrap, ['--unshare-pid', '--die-with-parent', '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev', 'true'], {
      timeout: 10_000,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    if (r.error) {
      const code = (r.error as NodeJS.ErrnoException).code;
      return {
        ok: false,
        reason: code === 'ENOENT' ? `bubblewrap (${bwrap}) is not installed` : `bubblewrap (${bwrap}) could not start: ${r.error.message}`,
      };
    }
    if (r.status !== 0)
      return { ok: false, reason: `bubblewrap (${bwrap}) cannot create namespaces here: ${(r.stderr || `exit ${r.status}`).trim()}` };
    const which = bwrap.includes('/') ? bwrap : spawnSync('sh', ['-c', `command -v ${bwrap}`], { encoding: 'utf8' }).stdout.trim();
    return { ok: true, path: which || bwrap };
  }

  /** The system folders to bind read-only, and the links a merged-/usr system has at its root. */
  private static systemLayout(): { args: string[]; dirs: string[] } {
    const args: string[] = [];
    const dirs: string[] = [];
    for (const dir of SYSTEM_DIRS) {
      const st = lstat(dir);
      if (st?.isSymbolicLink()) args.push('--symlink', fs.readlinkSync(dir), dir);
      else if (st?.isDirectory()) dirs.push(dir);
    }
    return { args, dirs };
  }

  /** Node's own install (for `node` in terminals and the Lambda Node.js runtime) and the resolver file, when outside the system folders. */
  private static systemExtras(systemDirs: string[]): string[] {
    const extras: string[] = [];
    const visible = (p: string): boolean => systemDirs.some((d) => isInside(d, p));
    const node = fs.realpathSync(process.execPath);
    if (!visible(node)) extras.push(path.dirname(path.dirname(node)));
    try {
      const resolv = fs.realpathSync('/etc/resolv.conf');
      if (!visible(resolv)) extras.push(resolv);
    } catch {
      // no resolver configured
    }
    return extras;
  }

  private static sshHostKeys(): string[] {
    try {
      return fs
        .readdirSync('/etc/ssh')
        .filter((n) => n.startsWith('ssh_host_') && n.endsWith('_key'))
        .map((n) => path.join('/etc/ssh', n));
    } catch {
      return [];
    }
  }

  /** The launcher of one workspace's processes. */
  forWorkspace(workspaceId: string, workspaceRoot: string): Launcher {
    return { sandboxed: this.available, wrap: (spec) => this.wrap({ ...spec, workspaceId, workspaceRoot }) };
  }

  /** The command line that starts `spec` in its sandbox (or as it is, where there is none). */
  wrap(spec: ProcessSpec): LaunchCommand {
    if (!this.available) return { command: spec.command, args: spec.args, env: spec.env, cwd: spec.cwd };
    const home = spec.purpose === 'terminal' ? this.homeMount(spec) : undefined;
    const roots = this.settings.workspaceRoots();
    const mounts = planMounts({
      system: this.systemDirs,
      workspace: { root: spec.workspaceRoot, readOnly: false },
      ...(spec.tmp ? { tmp: spec.tmp } : {}),
      ...(home ? { home } : {}),
      extraReadOnly: [...this.systemExtras, ...(spec.readOnly ?? []).filter((p) => !isInside(spec.workspaceRoot, p))],
      // Other workspaces' folders that exist (an opened folder may have been removed since): hidden.
      hiddenDirs: [this.settings.dataDir, ...roots.filter((r) => r !== spec.workspaceRoot && lstat(r)?.isDirectory())],
      hiddenFiles: this.hiddenFiles,
    });
    const isRoot = process.getuid?.() === 0;
    const args = [
      '--die-with-parent',
      '--unshare-pid',
      // The command itself is PID 1, a child of bwrap, which reaps it. With bwrap's own init in
      // between, bwrap exits as soon as the command does and leaves that init to the machine's PID 1,
      // which in many containers never reaps it (a zombie per terminal).
      '--as-pid-1',
      '--unshare-ipc',
      '--unshare-uts',
      '--unshare-cgroup-try',
      '--hostname',
      spec.workspaceId.slice(0, 63),
      // As root, bwrap keeps every capability unless told otherwise; without them root can mount nothing.
      ...(isRoot ? ['--cap-drop', 'ALL'] : []),
      ...this.systemArgs,
      '--proc',
      '/proc',
      '--dev',
      '/dev',
      ...bwrapMountArgs(mounts),
      '--dir',
      '/var/tmp',
      '--chdir',
      spec.cwd,
      '--',
      spec.command,
      ...spec.args,
    ];
    return { command: this.bwrapPath, args, env: spec.env, cwd: spec.cwd };
  }

  /** The terminal's home: the workspace's own (kept in the data dir), or the real one if the owner chose so. */
  private homeMount(spec: ProcessSpec): { source?: string; dest: string; readOnly: boolean } | undefined {
    const dest = spec.env.HOME ?? os.homedir();
    if (!dest || dest === '/' || !path.isAbsolute(dest)) return undefined;
    if (this.settings.home === 'read-only') return { source: dest, dest, readOnly: true };
    if (this.settings.home === 'read-write') return { source: dest, dest, readOnly: false };
    const own = path.join(this.settings.dataDir, 'homes', spec.workspaceId);
    fs.mkdirSync(own, { recursive: true, mode: 0o700 });
    return { source: own, dest, readOnly: false };
  }
}
