import fs from 'node:fs';

/**
 * Process bookkeeping for terminals, read from /proc (Linux).
 *
 * A terminal's shell is the leader of its own session (node-pty calls setsid), and every job the
 * shell starts gets its own process group inside that session. So "kill the terminal's processes"
 * means every process of the session, not just the shell's process group.
 */
export interface ProcInfo {
  pid: number;
  ppid: number;
  pgrp: number;
  session: number;
  /** The foreground process group of the process's terminal (-1: no terminal). */
  tpgid: number;
  /** The command name (truncated to 15 characters by the kernel). */
  comm: string;
  /** R, S, D, T, Z, ... ; Z is a zombie waiting for its parent. */
  state: string;
}

/** Parses /proc/<pid>/stat; the command name may contain spaces and parentheses, so split after the last ')'. */
export function parseStat(text: string): ProcInfo | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).split(' ');
  const [state, ppid, pgrp, session, tpgid] = [rest[0], Number(rest[1]), Number(rest[2]), Number(rest[3]), Number(rest[5])];
  if (!state || !Number.isInteger(pid) || !Number.isInteger(ppid) || !Number.isInteger(session)) return undefined;
  return { pid, ppid, pgrp, session, tpgid: Number.isInteger(tpgid) ? tpgid : -1, state, comm: text.slice(open + 1, close) };
}

export function readProc(pid: number): ProcInfo | undefined {
  try {
    return parseStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Every process (zombies included) whose session id is `sid`. */
export function listSession(sid: number): ProcInfo[] {
  const out: ProcInfo[] = [];
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of names) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
    const info = readProc(Number(name));
    if (info && info.session === sid) out.push(info);
  }
  return out;
}

/**
 * The shell of a terminal whose session leader is `leader`: the leader itself, or, in a sandbox, the
 * leader's child (bubblewrap starts the shell).
 */
export function shellOf(leader: number): ProcInfo | undefined {
  const first = readProc(leader);
  if (first?.comm !== 'bwrap') return first;
  return listSession(leader).find((p) => p.ppid === leader);
}

/**
 * The job in the foreground of a terminal, if it is not the shell itself: a command the user started
 * and has not finished (the shell back at its prompt holds the foreground again). Its group leader.
 */
export function foregroundJob(shell: ProcInfo): ProcInfo | undefined {
  const now = readProc(shell.pid);
  if (!now || now.state === 'Z' || now.tpgid <= 0 || now.tpgid === now.pgrp) return undefined;
  return readProc(now.tpgid) ?? { ...now, pid: now.tpgid, comm: '' };
}

/** True while the process exists and has not been reaped (a zombie still counts as existing). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const signal = (pid: number, sig: NodeJS.Signals): void => {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Freezes (SIGSTOP) every process of session `sid`, leaving out processes already stopped by their
 * user (a job stopped with Ctrl+Z stays stopped after `thaw`). Returns the pids it froze.
 */
export function freezeSession(sid: number): number[] {
  const frozen: number[] = [];
  for (const p of listSession(sid)) {
    if (p.state === 'T' || p.state === 'Z') continue;
    signal(p.pid, 'SIGSTOP');
    frozen.push(p.pid);
  }
  return frozen;
}

export function thaw(pids: number[]): void {
  for (const pid of pids) signal(pid, 'SIGCONT');
}

export interface KillSessionOptions {
  /** How long a process gets after SIGHUP before SIGKILL. */
  graceMs?: number;
  /** Give up after this long (processes stuck in uninterruptible sleep). */
  timeoutMs?: number;
}

/**
 * Ends every process of session `sid`, leaves first: a process is signalled only once none of its
 * children is alive, so its parent is still there to reap it. Killing parents first would orphan the
 * children to PID 1, which in containers often never reaps them (zombies forever).
 * Resolves when no live process of the session remains (or on timeout).
 */
export async function killSession(sid: number, options: KillSessionOptions = {}): Promise<void> {
  const graceMs = options.graceMs ?? 500;
  const deadline = Date.now() + (options.timeoutMs ?? 3000);
  const hupAt = new Map<number, number>();
  const zombieSince = new Map<number, number>();
  while (Date.now() < deadline) {
    const all = listSession(sid);
    const alive = all.filter((p) => p.state !== 'Z');
    if (alive.length === 0) return;
    // A parent is left alone while it has live children, or a fresh zombie it is about to reap.
    const parents = new Set(alive.map((p) => p.ppid));
    for (const z of all) {
      if (z.state !== 'Z') continue;
      const since = zombieSince.get(z.pid) ?? Date.now();
      zombieSince.set(z.pid, since);
      if (Date.now() - since < 200) parents.add(z.ppid);
    }
    for (const p of alive) {
      if (parents.has(p.pid)) continue; // wait until its children are gone
      const sent = hupAt.get(p.pid);
      if (sent === undefined) {
        hupAt.set(p.pid, Date.now());
        signal(p.pid, 'SIGHUP');
        signal(p.pid, 'SIGCONT'); // a stopped job only sees SIGHUP once it runs again
      } else if (Date.now() - sent > graceMs) {
        signal(p.pid, 'SIGKILL');
      }
    }
    await sleep(10);
  }
}
