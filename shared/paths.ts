/** Workspace-relative paths as the API speaks them: '/'-separated, no leading slash, '' is the root. */

export function normalizeRelPath(input: string): string | undefined {
  if (input.includes('\0') || input.includes('\\')) return undefined;
  const parts: string[] = [];
  for (const part of input.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return undefined;
    parts.push(part);
  }
  return parts.join('/');
}

export const joinRel = (dir: string, name: string): string => (dir ? `${dir}/${name}` : name);

export const parentOf = (path: string): string => {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
};

export const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
