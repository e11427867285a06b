import type { FileEntry } from '../../../../shared/api.js';
import { joinRel } from '../../../../shared/paths.js';
import { fileUrl, type Api } from '../../net/api.js';

/** The file operations the tree offers, over the REST API. */
export class FileActions {
  constructor(
    private readonly api: Api,
    private readonly workspaceId: string,
  ) {}

  private base(): string {
    return `/api/workspaces/${encodeURIComponent(this.workspaceId)}`;
  }

  list(dir: string): Promise<FileEntry[]> {
    return this.api.get<FileEntry[]>(`${this.base()}/files?path=${encodeURIComponent(dir)}`);
  }

  createFile(path: string): Promise<FileEntry> {
    return this.api.put<FileEntry>(fileUrl(this.workspaceId, path), new Blob([]));
  }

  mkdir(path: string): Promise<FileEntry> {
    return this.api.post<FileEntry>(`${this.base()}/files/mkdir`, { path });
  }

  rename(from: string, to: string): Promise<FileEntry> {
    return this.api.post<FileEntry>(`${this.base()}/files/rename`, { from, to });
  }

  remove(path: string): Promise<void> {
    return this.api.del<void>(fileUrl(this.workspaceId, path));
  }

  upload(path: string, data: Blob): Promise<FileEntry> {
    return this.api.put<FileEntry>(fileUrl(this.workspaceId, path), data);
  }

  /** Uploads what was dropped (files and whole folders) into `dir`; returns how many files were written. */
  async uploadDropped(dir: string, items: DataTransferItemList): Promise<number> {
    const list = [...items].filter((i) => i.kind === 'file');
    const entries = list.map((i) => i.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
    let count = 0;
    // Without filesystem entries (some browsers, synthetic drops) plain files still upload.
    if (entries.length === 0) {
      for (const file of list.map((i) => i.getAsFile()).filter((f): f is File => f !== null)) {
        await this.upload(joinRel(dir, file.name), file);
        count++;
      }
      return count;
    }
    const walk = async (entry: FileSystemEntry, into: string): Promise<void> => {
      const target = joinRel(into, entry.name);
      if (entry.isFile) {
        const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
        await this.upload(target, file);
        count++;
      } else if (entry.isDirectory) {
        await this.mkdir(target).catch(() => undefined);
        const reader = (entry as FileSystemDirectoryEntry).createReader();
        for (;;) {
          const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
          if (batch.length === 0) break;
          for (const child of batch) await walk(child, target);
        }
      }
    };
    for (const entry of entries) await walk(entry, dir);
    return count;
  }
}
