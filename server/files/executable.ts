import fs from 'node:fs';

/** True for a regular file this process may execute (a shell, a Lambda bootstrap). */
export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
