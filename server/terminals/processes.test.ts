import { describe, expect, it } from 'vitest';
import { listSession, parseStat, processExists, readProc } from './processes.js';

describe('reading /proc', () => {
  it('parses a stat line whose command name has spaces and parentheses', () => {
    expect(parseStat('4242 (my (odd) prog) S 1 4242 4200 34816 4242 4194560 110 0 0 0 0 0 0 0 20 0 1 0')).toEqual({
      pid: 4242,
      comm: 'my (odd) prog',
      state: 'S',
      ppid: 1,
      pgrp: 4242,
      session: 4200,
      tpgid: 4242,
    });
    expect(parseStat('garbage')).toBeUndefined();
  });

  it('finds this process and its session', () => {
    const me = readProc(process.pid);
    expect(me?.pid).toBe(process.pid);
    expect(listSession(me?.session as number).map((p) => p.pid)).toContain(process.pid);
    expect(processExists(process.pid)).toBe(true);
    expect(processExists(2 ** 22 + 12345)).toBe(false); // above pid_max
  });
});
