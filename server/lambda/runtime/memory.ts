import fs from 'node:fs';

/**
 * Memory of an execution environment, read from /proc (Linux). Lambda bills and limits the whole sandbox,
 * so the environment's figure is its main process's peak (VmHWM, which the kernel keeps exactly, even
 * between our samples) or the sum of the resident sizes of its whole process tree, whichever is larger.
 */
const KB = 1024;

function statusField(status: string, field: string): number {
  const i = status.indexOf(`${field}:`);
  if (i < 0) return 0;
  return Number.parseInt(status.slice(i + field.length + 1), 10) * KB || 0;
}

/** Peak resident bytes of one process (0 when it is gone). */
export function peakRss(pid: number): number {
  try {
    return statusField(fs.readFileSync(`/proc/${pid}/status`, 'latin1'), 'VmHWM');
  } catch {
    return 0;
  }
}

/** The direct children of a process (every thread's). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    try {
      for (const c of fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1').split(' ')) if (c.trim()) out.push(Number(c));
    } catch {
      // the thread ended while we looked
    }
  }
  return out;
}

/**
 * The largest peak (VmHWM) of any process in the tree: in a sandbox the first process is bubblewrap,
 * and the runtime is one of its descendants.
 */
export function treePeakRss(pid: number): number {
  let peak = peakRss(pid);
  for (const p of descendants(pid)) peak = Math.max(peak, peakRss(p));
  return peak;
}

/** Resident bytes of a process and all its descendants now. */
export function treeRss(pid: number): number {
  let total = 0;
  const queue = [pid];
  for (let guard = 0; queue.length > 0 && guard < 1000; guard++) {
    const p = queue.pop() as number;
    try {
      total += statusField(fs.readFileSync(`/proc/${p}/status`, 'latin1'), 'VmRSS');
    } catch {
      continue;
    }
    queue.push(...childrenOf(p));
  }
  return total;
}

/** Every descendant of a process (for killing a tree whose members left its process group). */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  const queue = childrenOf(pid);
  while (queue.length > 0 && out.length < 1000) {
    const p = queue.pop() as number;
    out.push(p);
    queue.push(...childrenOf(p));
  }
  return out;
}

export const toMb = (bytes: number): number => Math.ceil(bytes / (1024 * 1024));
