import path from 'node:path';
import { AUTO_SAVE_DELAY, parseSettingsText, WORKSPACE_SETTINGS_PATH } from '../../shared/settings.js';
import { readDiskText, sameStamp, statFile, type FileStamp } from './diskText.js';

export type AutoSave = { mode: 'afterDelay'; delayMs: number } | { mode: 'off' };

/** A settings file larger than this is not read (it holds a few dozen keys). */
const MAX_SETTINGS_BYTES = 256 * 1024;

/**
 * The workspace's `files.autoSave` and `files.autoSaveDelay` (its `.nimbus/settings.json`): whether and
 * how soon the shared documents are written to their files. Read again only when the file changed (a
 * stat per question); a file that is missing, unreadable, too large or invalid gives the defaults.
 */
export class AutoSaveSettings {
  private stamp: FileStamp | undefined;
  private value: AutoSave;
  private readonly abs: string;

  constructor(
    private readonly root: string,
    private readonly defaultDelayMs: number,
  ) {
    this.abs = path.join(root, WORKSPACE_SETTINGS_PATH);
    this.value = { mode: 'afterDelay', delayMs: defaultDelayMs };
  }

  /** What was read last (no I/O): used to arm a write timer. */
  get cached(): AutoSave {
    return this.value;
  }

  /** The settings as the file says now. */
  async current(): Promise<AutoSave> {
    let stamp: FileStamp | undefined;
    try {
      stamp = await statFile(this.abs);
    } catch {
      stamp = undefined;
    }
    if (stamp && this.stamp && sameStamp(stamp, this.stamp)) return this.value;
    this.stamp = stamp;
    this.value = stamp ? await this.read() : this.defaults();
    return this.value;
  }

  private async read(): Promise<AutoSave> {
    let values: Record<string, unknown>;
    try {
      const disk = await readDiskText(this.root, this.abs, MAX_SETTINGS_BYTES);
      values = disk ? parseSettingsText(disk.text) : {};
    } catch {
      return this.defaults();
    }
    const mode = values['files.autoSave'];
    if (mode === 'off') return { mode: 'off' };
    const delay = values['files.autoSaveDelay'];
    const valid =
      typeof delay === 'number' && Number.isFinite(delay) && delay >= AUTO_SAVE_DELAY.minimum && delay <= AUTO_SAVE_DELAY.maximum;
    return { mode: 'afterDelay', delayMs: valid ? delay : this.defaultDelayMs };
  }

  private defaults(): AutoSave {
    return { mode: 'afterDelay', delayMs: this.defaultDelayMs };
  }
}
