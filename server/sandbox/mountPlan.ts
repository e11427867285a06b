import path from 'node:path';
import { isInside } from '../files/index.js';

/**
 * What a sandboxed process sees of the machine, as a list of mounts, planned as pure data so that
 * the rules can be tested without starting anything.
 *
 * Nothing is visible unless a mount makes it so: the sandbox's root is an empty tmpfs. The system
 * directories come in read-only; the workspace read-write at its own path; /tmp is private. Secrets
 * (the data dir, other workspaces, host password and key files) are covered with an empty tmpfs (or
 * /dev/null for files) wherever one of the mounts would otherwise show them, for example the data dir
 * inside a workspace opened with `--open .`.
 */
export type Mount =
  { kind: 'bind'; source: string; dest: string; readOnly: boolean } | { kind: 'tmpfs'; dest: string } | { kind: 'hideFile'; dest: string };

export interface MountPlanInput {
  /** Host directories shown read-only at their own path (/usr, /etc, an interpreter's prefix). */
  system: string[];
  /** The workspace, shown at its own path. */
  workspace: { root: string; readOnly: boolean };
  /** Host directory shown as /tmp; a fresh tmpfs when absent. */
  tmp?: string;
  /** The home directory: `dest` shows `source` (or an empty tmpfs when `source` is absent). */
  home?: { source?: string; dest: string; readOnly: boolean };
  /** More host paths shown read-only at their own path (the Lambda runtime clients). */
  extraReadOnly: string[];
  /** Host directories that must stay invisible: the data dir, every other workspace. */
  hiddenDirs: string[];
  /** Host files that must stay invisible (covered with /dev/null). */
  hiddenFiles: string[];
}

const depth = (p: string): number => p.split('/').filter(Boolean).length;

/**
 * Orders the mounts so that each one lands on top of the ones it lies inside (shallow first), and
 * covers each secret right after the mount that would reveal it, before anything deeper is mounted
 * inside it (the workspace inside the hidden data dir must still show).
 */
export function planMounts(input: MountPlanInput): Mount[] {
  const binds: Extract<Mount, { kind: 'bind' | 'tmpfs' }>[] = [];
  for (const dir of input.system) binds.push({ kind: 'bind', source: dir, dest: dir, readOnly: true });
  for (const p of input.extraReadOnly) binds.push({ kind: 'bind', source: p, dest: p, readOnly: true });
  binds.push(input.tmp ? { kind: 'bind', source: input.tmp, dest: '/tmp', readOnly: false } : { kind: 'tmpfs', dest: '/tmp' });
  if (input.home) {
    const { source, dest, readOnly } = input.home;
    binds.push(source ? { kind: 'bind', source, dest, readOnly } : { kind: 'tmpfs', dest });
  }
  const { root } = input.workspace;
  binds.push({ kind: 'bind', source: root, dest: root, readOnly: input.workspace.readOnly });
  // A stable sort: at equal depth the order above holds (the workspace last, so it wins a tie).
  binds.sort((a, b) => depth(a.dest) - depth(b.dest));

  const hiddenDirs = input.hiddenDirs.filter((d) => d !== root);
  const out: Mount[] = [];
  for (const mount of binds) {
    out.push(mount);
    if (mount.kind !== 'bind') continue;
    const reveal = (secret: string): string | undefined =>
      isInside(mount.source, secret) ? path.join(mount.dest, path.relative(mount.source, secret)) : undefined;
    for (const secret of hiddenDirs) {
      const at = reveal(secret);
      // Covered again after each mount that reveals it: a deeper mount would shadow an earlier cover.
      if (at !== undefined) out.push({ kind: 'tmpfs', dest: at });
    }
    for (const secret of input.hiddenFiles) {
      const at = reveal(secret);
      if (at !== undefined) out.push({ kind: 'hideFile', dest: at });
    }
  }
  return out;
}

/** The mounts as bubblewrap arguments. */
export function bwrapMountArgs(mounts: Mount[]): string[] {
  const args: string[] = [];
  for (const m of mounts) {
    if (m.kind === 'tmpfs') args.push('--tmpfs', m.dest);
    else if (m.kind === 'hideFile') args.push('--ro-bind', '/dev/null', m.dest);
    else args.push(m.readOnly ? '--ro-bind' : '--bind', m.source, m.dest);
  }
  return args;
}
