import { createHash } from 'node:crypto';
import path from 'node:path';

/** Folder-derived stack names are kept short: on AWS a person picks one (`sam-app`), and names built on it must fit 64. */
const MAX_DERIVED_STACK = 24;
const MAX_FUNCTION_NAME = 64;

const hashOf = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * `AWS::StackName` of a template: samconfig.toml's `stack_name` when it has one (what `sam deploy` uses),
 * else the template's folder name (`workspace` at the top), made a valid stack name and kept short.
 */
export function stackNameFor(file: string, configured: string | undefined): string {
  if (configured && /^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(configured)) return configured;
  const dir = path.posix.dirname(file);
  let name = (dir === '.' ? 'workspace' : path.posix.basename(dir)).replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  if (!/^[A-Za-z]/.test(name)) name = `stack-${name}`.replace(/-$/, '');
  if (name.length > MAX_DERIVED_STACK) {
    const cut = name.slice(0, MAX_DERIVED_STACK);
    const dash = cut.lastIndexOf('-');
    name = dash >= 12 ? cut.slice(0, dash) : cut;
  }
  return name;
}

/** `AWS::StackId`: an ARN whose id is stable for the template's path (two templates never share one). */
export function stackIdFor(region: string, accountId: string, stackName: string, file: string): string {
  const h = hashOf(`stack:${file}`);
  const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  return `arn:aws:cloudformation:${region}:${accountId}:stack/${stackName}/${id}`;
}

/** A function of one template that has no FunctionName: Lambda's name is made for it. */
export interface UnnamedFunction {
  file: string;
  stackName: string;
  logicalId: string;
}

export const unnamedKey = (file: string, logicalId: string): string => `${file}\0${logicalId}`;

/**
 * Names of functions without a FunctionName. The logical ID, as `sam local` names them, when no other
 * template of the workspace has a function with the same logical ID; otherwise `<stack>-<LogicalId>`,
 * as CloudFormation prefixes them, with a short hash of the template's path when that is still shared or
 * longer than 64. The same workspace always gives the same names, so they hold across restarts.
 */
export function namesOfUnnamed(functions: UnnamedFunction[], taken: ReadonlySet<string>): Map<string, string> {
  const byId = new Map<string, UnnamedFunction[]>();
  for (const f of functions) byId.set(f.logicalId, [...(byId.get(f.logicalId) ?? []), f]);
  const names = new Map<string, string>();
  const prefixed: [UnnamedFunction, string][] = [];
  for (const [id, list] of byId) {
    if (list.length === 1 && !taken.has(id)) names.set(unnamedKey((list[0] as UnnamedFunction).file, id), id);
    else for (const f of list) prefixed.push([f, `${f.stackName}-${f.logicalId}`]);
  }
  const count = new Map<string, number>();
  for (const [, name] of prefixed) count.set(name, (count.get(name) ?? 0) + 1);
  for (const [f, name] of prefixed) {
    if (count.get(name) === 1 && name.length <= MAX_FUNCTION_NAME && !taken.has(name)) {
      names.set(unnamedKey(f.file, f.logicalId), name);
      continue;
    }
    const suffix = hashOf(`function:${f.file}`).slice(0, 8).toUpperCase();
    const base = `${f.stackName.slice(0, 12)}-${f.logicalId}`.slice(0, MAX_FUNCTION_NAME - suffix.length - 1);
    names.set(unnamedKey(f.file, f.logicalId), `${base}-${suffix}`);
  }
  return names;
}
