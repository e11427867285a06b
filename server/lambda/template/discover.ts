import fs from 'node:fs';
import path from 'node:path';
import { LineCounter, isMap, isScalar, parseDocument } from 'yaml';
import type { DiscoveryResult, FunctionSpec, PseudoParameters, TemplateProblem } from '../types.js';
import { functionsOf } from './functions.js';
import { cloudFormationTags } from './yamlTags.js';

export const TEMPLATE_NAMES = new Set(['template.yaml', 'template.yml', 'template.json']);
/** Folders that never hold a workspace's own templates (`.aws-sam` holds build copies of them). */
const SKIPPED_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', '.aws-sam', '.nimbus', '.venv', 'venv', '__pycache__']);
const MAX_DEPTH = 12;
const MAX_ENTRIES = 50_000;
const MAX_TEMPLATE_BYTES = 1024 * 1024;

export const isTemplatePath = (rel: string): boolean => TEMPLATE_NAMES.has(path.posix.basename(rel));

/** Workspace-relative paths of every template file, sorted; bounded so a huge tree cannot stall the server. */
export async function findTemplates(root: string): Promise<string[]> {
  const found: string[] = [];
  let budget = MAX_ENTRIES;
  const walk = async (dirRel: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH || budget <= 0) return;
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(dirRel ? path.join(root, dirRel) : root, { withFileTypes: true });
    } catch {
      return;
    }
    budget -= entries.length;
    for (const e of entries) {
      const rel = dirRel ? `${dirRel}/${e.name}` : e.name;
      // Symbolic links are not followed: a link could lead outside the workspace or into a loop.
      if (e.isDirectory() && !SKIPPED_DIRS.has(e.name)) await walk(rel, depth + 1);
      else if (e.isFile() && TEMPLATE_NAMES.has(e.name)) found.push(rel);
    }
  };
  await walk('', 0);
  return found.sort();
}

/** Parses one template; a YAML or JSON error is a problem naming file, line and column. */
export function parseTemplate(
  file: string,
  text: string,
): { template: Record<string, unknown>; positions: Map<string, { line: number; column: number }> } | TemplateProblem | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { customTags: cloudFormationTags, lineCounter });
  const error = doc.errors[0] ?? doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (error) {
    const pos = error.linePos?.[0];
    // The library's message ends with "at line L, column C:" and an excerpt: the position is reported apart.
    const message = (error.message.split('\n')[0] as string).replace(/ at line \d+, column \d+:?$/, '');
    return { file, ...(pos ? { line: pos.line, column: pos.col } : {}), message };
  }
  let template: unknown;
  try {
    // Aliases are expanded here: a few lines of nested aliases can stand for billions of nodes.
    template = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return { file, message: `the template cannot be read: ${(err as Error).message}` };
  }
  if (typeof template !== 'object' || template === null || Array.isArray(template)) return undefined;
  const resources = (template as Record<string, unknown>).Resources;
  // A file named template.yaml without Resources belongs to some other tool: not ours to complain about.
  if (resources === undefined) return undefined;
  if (typeof resources !== 'object' || resources === null || Array.isArray(resources)) {
    return { file, message: 'Resources must be a map of logical ids to resources' };
  }
  const positions = new Map<string, { line: number; column: number }>();
  const resNode = isMap(doc.contents) ? doc.contents.get('Resources', true) : undefined;
  if (isMap(resNode)) {
    for (const item of resNode.items) {
      if (isScalar(item.key) && item.key.range) {
        const { line, col } = lineCounter.linePos(item.key.range[0]);
        positions.set(String(item.key.value), { line, column: col });
      }
    }
  }
  return { template: template as Record<string, unknown>, positions };
}

/** Reads every template of a workspace: the functions that can run, and what is wrong with the rest. */
export async function discoverFunctions(root: string, pseudo: PseudoParameters): Promise<DiscoveryResult> {
  const templates = await findTemplates(root);
  const functions: FunctionSpec[] = [];
  const problems: TemplateProblem[] = [];
  const byName = new Map<string, FunctionSpec>();
  for (const file of templates) {
    let text: string;
    try {
      const abs = path.join(root, file);
      const st = await fs.promises.stat(abs);
      if (st.size > MAX_TEMPLATE_BYTES) {
        problems.push({ file, message: `template is larger than ${MAX_TEMPLATE_BYTES} bytes` });
        continue;
      }
      text = await fs.promises.readFile(abs, 'utf8');
    } catch (err) {
      problems.push({ file, message: `cannot read the template: ${(err as Error).message}` });
      continue;
    }
    const parsed = parseTemplate(file, text);
    if (parsed === undefined) continue;
    if (!('template' in parsed)) {
      problems.push(parsed);
      continue;
    }
    let result: ReturnType<typeof functionsOf>;
    try {
      result = functionsOf({ root, file, template: parsed.template, positions: parsed.positions, pseudo });
    } catch (err) {
      problems.push({ file, message: `cannot read the template: ${(err as Error).message}` });
      continue;
    }
    problems.push(...result.problems);
    for (const fn of result.functions) {
      const other = byName.get(fn.name);
      if (other) {
        problems.push({
          file,
          line: fn.line,
          logicalId: fn.logicalId,
          message: `${fn.logicalId}: function name ${fn.name} is already used by ${other.logicalId} in ${other.template}:${other.line}; set FunctionName to tell them apart`,
        });
        continue;
      }
      byName.set(fn.name, fn);
      functions.push(fn);
    }
  }
  // Code-unit order: ListFunctions pages with `name > marker`, which must agree with this order.
  functions.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { functions, problems, templates };
}
