import { describe, expect, it } from 'vitest';
import { bwrapMountArgs, planMounts, type MountPlanInput } from './mountPlan.js';

const base: MountPlanInput = {
  system: ['/usr', '/etc'],
  workspace: { root: '/srv/data/workspaces/a', readOnly: false },
  extraReadOnly: [],
  hiddenDirs: ['/srv/data', '/srv/data/workspaces/b', '/home/me/other'],
  hiddenFiles: ['/etc/shadow'],
};

describe('the sandbox mount plan shows the system and the workspace, and covers every secret a mount would reveal', () => {
  it('binds the system read-only, a private /tmp, the workspace read-write, and hides host secret files', () => {
    expect(bwrapMountArgs(planMounts(base))).toEqual([
      '--ro-bind',
      '/usr',
      '/usr',
      '--ro-bind',
      '/etc',
      '/etc',
      '--ro-bind',
      '/dev/null',
      '/etc/shadow',
      '--tmpfs',
      '/tmp',
      '--bind',
      '/srv/data/workspaces/a',
      '/srv/data/workspaces/a',
    ]);
  });

  it('a home shown read-only hides the data dir and other workspaces inside it, and the workspace still shows', () => {
    const plan = planMounts({
      ...base,
      workspace: { root: '/home/me/data/workspaces/a', readOnly: false },
      home: { source: '/home/me', dest: '/home/me', readOnly: true },
      hiddenDirs: ['/home/me/data', '/home/me/other'],
    });
    const args = bwrapMountArgs(plan);
    const at = (flag: string, dest: string): number =>
      args.findIndex((a, i) => a === flag && args[i + (flag === '--tmpfs' ? 1 : 2)] === dest);
    expect(at('--ro-bind', '/home/me')).toBeGreaterThan(-1);
    expect(at('--tmpfs', '/home/me/data')).toBeGreaterThan(at('--ro-bind', '/home/me'));
    expect(at('--tmpfs', '/home/me/other')).toBeGreaterThan(at('--ro-bind', '/home/me'));
    // Mounted after the cover of the data dir it lives in, so it shows through.
    expect(at('--bind', '/home/me/data/workspaces/a')).toBeGreaterThan(at('--tmpfs', '/home/me/data'));
  });

  it('a workspace opened from a folder that holds the data dir (`--open .`) does not reveal it', () => {
    const args = bwrapMountArgs(
      planMounts({ ...base, workspace: { root: '/proj', readOnly: false }, hiddenDirs: ['/proj/.nimbus', '/proj/sub'] }),
    );
    const bind = args.indexOf('/proj');
    expect(args.slice(bind)).toEqual(['/proj', '/proj', '--tmpfs', '/proj/.nimbus', '--tmpfs', '/proj/sub']);
  });

  it('covers a secret again after a deeper mount that would show it again', () => {
    const args = bwrapMountArgs(
      planMounts({
        ...base,
        workspace: { root: '/home/me/proj', readOnly: false },
        home: { source: '/home/me', dest: '/home/me', readOnly: false },
        hiddenDirs: ['/home/me/proj/.nimbus'],
      }),
    );
    expect(args.slice(-4)).toEqual(['/home/me/proj', '/home/me/proj', '--tmpfs', '/home/me/proj/.nimbus']);
  });

  it('a private home maps a folder of its own onto the home path; a /tmp folder can be given (Lambda)', () => {
    const args = bwrapMountArgs(
      planMounts({ ...base, tmp: '/var/tmp/env-1', home: { source: '/srv/data/homes/a', dest: '/root', readOnly: false } }),
    );
    expect(args).toEqual(expect.arrayContaining(['--bind', '/var/tmp/env-1', '/tmp']));
    expect(args).toEqual(expect.arrayContaining(['--bind', '/srv/data/homes/a', '/root']));
    // The data dir is not under any source shown (the home's folder is inside it, not around it).
    expect(args).not.toContain('/srv/data');
  });
});
