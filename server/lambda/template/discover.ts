import fs from 'node:fs';
import path from 'node:path';
import { LineCounter, isMap, isScalar, parseDocument } from 'yaml';
import { WORKSPACE_SETTINGS_PATH } from '../../../shared/settings.js';
import type { TemplateParameterView } from '../../../shared/lambda.js';
import { resolveInside } from '../../files/pathGuard.js';
import type { DiscoveryResult, FunctionSpec, PseudoParameters, TemplateProblem } from '../types.js';
import { functionsOf } from './functions.js';
import { duplicateKeys, indentFlowContinuations } from './lenientYaml.js';
import { namesOfUnnamed, stackIdFor, stackNameFor, unnamedKey, type UnnamedFunction } from './naming.js';
import { ENV_OVERRIDES_PATH, readEnvOverrides, readSamConfig, readWorkspaceLambdaSettings } from './projectConfig.js';
import { FUNCTION_TYPES } from './scope.js';
import { readQuickly } from './fastYaml.js';
import { ParseCache } from './parseCache.js';
import { cloudFormationTags } from './yamlTags.js';

export const TEMPLATE_NAMES = new Set(['template.yaml', 'template.yml', 'template.json']);
/** Folders that never hold a workspace's own templates (`.aws-sam` holds build copies of them). */
const SKIPPED_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', '.aws-sam', '.nimbus', '.venv', 'venv', '__pycache__']);
const MAX_DEPTH = 12;
const MAX_ENTRIES = 50_000;
const MAX_TEMPLATE_BYTES = 1024 * 1024;

export const isTemplatePath = (rel: string): boolean => TEMPLATE_NAMES.has(path.posix.basename(rel));
/** Files the templates are read with: the workspace's settings (extra templates, parameter values) and samconfig files. */
export const isTemplateConfigPath = (rel: string): boolean =>
  rel === WORKSPACE_SETTINGS_PATH ||
  rel === ENV_OVERRIDES_PATH ||
  // The settings' folder appearing: a file made with it may come without an event of its own.
  rel === path.posix.dirname(WORKSPACE_SETTINGS_PATH) ||
  /^samconfig\.(toml|ya?ml)$/.test(path.posix.basename(rel));

/** Workspace-relative paths of every template file, sorted; bounded so a huge tree cannot stall the server. */
export function findTemplates(root: string): Promise<string[]> {
  return Promise.resolve(findProjectFiles(root).templates);
}

/**
 * Templates, and the samconfig files met on the way (a template's is read only if there is one).
 *
 * Discovery runs in the template thread, where waiting for the disk holds up no one else, so files are
 * read with synchronous calls: a workspace that just woke has its file watcher walking the same tree
 * through libuv's small shared thread pool, and 500 asynchronous reads queued behind it took twice as long.
 */
function findProjectFiles(root: string): { templates: string[]; samconfigs: Set<string> } {
  const found: string[] = [];
  const samconfigs = new Set<string>();
  let budget = MAX_ENTRIES;
  const walk = (dirRel: string, depth: number): void => {
    if (depth > MAX_DEPTH || budget <= 0) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dirRel ? path.join(root, dirRel) : root, { withFileTypes: true });
    } catch {
      return;
    }
    budget -= entries.length;
    for (const e of entries) {
      const rel = dirRel ? `${dirRel}/${e.name}` : e.name;
      // Symbolic links are not followed: a link could lead outside the workspace or into a loop.
      if (e.isDirectory() && !SKIPPED_DIRS.has(e.name)) walk(rel, depth + 1);
      else if (e.isFile() && TEMPLATE_NAMES.has(e.name)) found.push(rel);
      else if (e.isFile() && SAMCONFIG.test(e.name)) samconfigs.add(rel);
    }
  };
  walk('', 0);
  return { templates: found.sort(), samconfigs };
}

const SAMCONFIG = /^samconfig\.(toml|ya?ml)$/;

export interface ParsedTemplate {
  template: Record<string, unknown>;
  /** Line and column of each resource's key, and of each parameter's. */
  positions: Map<string, { line: number; column: number }>;
  paramLines: Map<string, { line: number; column: number }>;
  /** What was read leniently, as the SAM CLI reads it. */
  warnings: TemplateProblem[];
}

/**
 * Parses one template; a YAML or JSON error is a problem naming file, line and column. What the SAM CLI
 * accepts (duplicate keys, flow collections indented at their key's level) is read as it reads it, with
 * a warning.
 */
export function parseTemplate(file: string, text: string): ParsedTemplate | TemplateProblem | undefined {
  const quick = readQuickly(text, SECTIONS);
  return quick ? asTemplate(file, quick.value, quick.keyLines, []) : readLeniently(file, text);
}

/** The `yaml` library's reading: slower, but lenient as the SAM CLI is, with warnings and error positions. */
export function readLeniently(file: string, text: string): ParsedTemplate | TemplateProblem | undefined {
  let lineCounter = new LineCounter();
  const options = { customTags: cloudFormationTags, uniqueKeys: false };
  let doc = parseDocument(text, { ...options, lineCounter });
  const warnings: TemplateProblem[] = [];
  if (doc.errors.some((e) => e.code === 'BAD_INDENT')) {
    const repaired = indentFlowContinuations(text);
    const retryCounter = new LineCounter();
    const retry = repaired.lines.length ? parseDocument(repaired.text, { ...options, lineCounter: retryCounter }) : undefined;
    if (retry && retry.errors.length === 0) {
      doc = retry;
      lineCounter = retryCounter;
      for (const line of repaired.lines)
        warnings.push({
          file,
          line,
          severity: 'warning',
          message: 'a flow collection ([ ] or { }) continues at its key’s indentation; read as the SAM CLI reads it',
        });
    }
  }
  const error = doc.errors[0] ?? doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (error) {
    const pos = error.linePos?.[0];
    // The library's message ends with "at line L, column C:" and an excerpt: the position is reported apart.
    const message = (error.message.split('\n')[0] as string).replace(/ at line \d+, column \d+:?$/, '');
    return { file, ...(pos ? { line: pos.line, column: pos.col } : {}), message };
  }
  let value: unknown;
  try {
    // Aliases are expanded here: a few lines of nested aliases can stand for billions of nodes.
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return { file, message: `the template cannot be read: ${(err as Error).message}` };
  }
  for (const d of duplicateKeys(doc, lineCounter)) warnings.push({ file, line: d.line, severity: 'warning', message: d.message });
  const keyLines = new Map<string, Map<string, { line: number; column: number }>>();
  for (const section of SECTIONS) {
    const lines = new Map<string, { line: number; column: number }>();
    const node = isMap(doc.contents) ? doc.contents.get(section, true) : undefined;
    if (isMap(node)) {
      for (const item of node.items) {
        if (isScalar(item.key) && item.key.range) {
          const { line, col } = lineCounter.linePos(item.key.range[0]);
          lines.set(String(item.key.value), { line, column: col });
        }
      }
    }
    keyLines.set(section, lines);
  }
  return asTemplate(file, value, keyLines, warnings);
}

/** The sections whose keys' positions are kept (to open a function's or a parameter's definition). */
const SECTIONS = ['Resources', 'Parameters'] as const;

/** What a template must be, whichever reader read it. */
function asTemplate(
  file: string,
  value: unknown,
  keyLines: Map<string, Map<string, { line: number; column: number }>>,
  warnings: TemplateProblem[],
): ParsedTemplate | TemplateProblem | undefined {
  if (!isObject(value)) return undefined;
  const resources = value.Resources;
  // A file named template.yaml without Resources belongs to some other tool: not ours to complain about.
  if (resources === undefined) return undefined;
  if (!isObject(resources)) return { file, message: 'Resources must be a map of logical ids to resources' };
  return {
    template: value,
    positions: keyLines.get('Resources') ?? new Map(),
    paramLines: keyLines.get('Parameters') ?? new Map(),
    warnings,
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parsed templates (see ParseCache): the templates read again are parsed only if they changed. */
const parsedTemplates = new ParseCache();

/** The samconfig file beside a template, if the walk met one. */
function samconfigBeside(file: string, samconfigs: Set<string>): string | undefined {
  const dir = path.posix.dirname(file);
  for (const name of ['samconfig.toml', 'samconfig.yaml', 'samconfig.yml']) {
    const rel = dir === '.' ? name : `${dir}/${name}`;
    if (samconfigs.has(rel)) return rel;
  }
  return undefined;
}

/** Reads one template file's text, or the problem that kept it from being read (synchronously: see findProjectFiles). */
function readTemplateText(root: string, file: string): string | TemplateProblem {
  let fd: number | undefined;
  try {
    fd = fs.openSync(resolveInside(root, file).abs, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return { file, message: 'not a file' };
    if (st.size > MAX_TEMPLATE_BYTES) return { file, message: `template is larger than ${MAX_TEMPLATE_BYTES} bytes` };
    return fs.readFileSync(fd, 'utf8');
  } catch (err) {
    return { file, message: `cannot read the template: ${(err as Error).message}` };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Reads every template of a workspace (the `template.yaml`s found, and those its `lambda.templates`
 * setting names): the functions that can run, and what is wrong with the rest.
 */
export async function discoverFunctions(root: string, pseudo: PseudoParameters, cacheFile?: string): Promise<DiscoveryResult> {
  const settings = await readWorkspaceLambdaSettings(root);
  const envOverrides = await readEnvOverrides(root);
  const { templates: found, samconfigs } = findProjectFiles(root);
  const templates = [...new Set([...found, ...settings.templates])].sort();
  const functions: FunctionSpec[] = [];
  const problems: TemplateProblem[] = [];
  if (envOverrides.problem) problems.push(envOverrides.problem);
  const read: {
    file: string;
    parsed: ParsedTemplate;
    stackName: string;
    overrides: Record<string, string>;
    samconfig: Record<string, string>;
  }[] = [];
  const configs = await Promise.all(
    templates.map((file) => (samconfigBeside(file, samconfigs) ? readSamConfig(root, file) : Promise.resolve({ overrides: {} }))),
  );
  for (const [i, file] of templates.entries()) {
    const text = readTemplateText(root, file);
    const parsed = typeof text === 'string' ? parsedTemplates.get(root, file, text, cacheFile, () => parseTemplate(file, text)) : text;
    if (parsed === undefined) {
      if (!found.includes(file)) problems.push({ file, message: 'listed in lambda.templates, but has no Resources' });
      continue;
    }
    if (!('template' in parsed)) {
      problems.push(parsed);
      continue;
    }
    problems.push(...parsed.warnings);
    const samconfig = configs[i] as Awaited<ReturnType<typeof readSamConfig>>;
    if (samconfig.problem) problems.push(samconfig.problem);
    read.push({
      file,
      parsed,
      stackName: stackNameFor(file, samconfig.stackName),
      overrides: { ...samconfig.overrides, ...settings.overrides },
      samconfig: samconfig.overrides,
    });
  }
  parsedTemplates.save(root, templates, cacheFile);
  // Functions without FunctionName are named across the workspace, so two templates' HelloWorldFunction do not collide.
  const unnamed: UnnamedFunction[] = [];
  const taken = new Set<string>();
  for (const { file, parsed, stackName } of read) {
    for (const [logicalId, res] of Object.entries(parsed.template.Resources as Record<string, unknown>)) {
      if (!isObject(res) || !FUNCTION_TYPES.has(String(res.Type))) continue;
      const name = isObject(res.Properties) ? res.Properties.FunctionName : undefined;
      if (name === undefined) unnamed.push({ file, stackName, logicalId });
      else if (typeof name === 'string') taken.add(name);
    }
  }
  const names = namesOfUnnamed(unnamed, taken);
  const byName = new Map<string, FunctionSpec>();
  for (const { file, parsed, stackName, overrides, samconfig } of read) {
    const parameters = parametersOf(parsed.template, settings.overrides, samconfig);
    let result: ReturnType<typeof functionsOf>;
    try {
      result = functionsOf({
        root,
        file,
        template: parsed.template,
        positions: parsed.positions,
        paramLines: parsed.paramLines,
        pseudo,
        stackName,
        stackId: stackIdFor(pseudo.region, pseudo.accountId, stackName, file),
        overrides,
        nameOf: (logicalId) => names.get(unnamedKey(file, logicalId)) ?? logicalId,
      });
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
      if (parameters.length) fn.parameters = parameters;
      // The workspace's .nimbus/env.json: for every function, then by logical ID, then by name.
      const own = { ...envOverrides.byFunction.get(fn.logicalId), ...envOverrides.byFunction.get(fn.name) };
      if (Object.keys(envOverrides.all).length || Object.keys(own).length)
        fn.environment = { ...fn.environment, ...envOverrides.all, ...own };
      functions.push(fn);
    }
  }
  // Code-unit order: ListFunctions pages with `name > marker`, which must agree with this order.
  functions.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { functions, problems, templates };
}

/** A template's parameters with their values and where each comes from (NoEcho values are not shown). */
function parametersOf(
  template: Record<string, unknown>,
  setting: Record<string, string>,
  samconfig: Record<string, string>,
): TemplateParameterView[] {
  const params = isObject(template.Parameters) ? template.Parameters : {};
  return Object.entries(params).map(([name, raw]) => {
    const def = isObject(raw) ? raw : {};
    const noEcho = def.NoEcho === true || def.NoEcho === 'true';
    const given = setting[name] ?? samconfig[name];
    const from =
      setting[name] !== undefined
        ? 'setting'
        : samconfig[name] !== undefined
          ? 'samconfig'
          : def.Default !== undefined
            ? 'default'
            : 'none';
    const value =
      given ?? (def.Default === undefined ? undefined : Array.isArray(def.Default) ? def.Default.join(',') : String(def.Default));
    return {
      name,
      type: typeof def.Type === 'string' ? def.Type : 'String',
      from,
      ...(value !== undefined ? { value: noEcho ? '****' : value } : {}),
      ...(typeof def.Description === 'string' ? { description: def.Description } : {}),
      ...(Array.isArray(def.AllowedValues) ? { allowedValues: def.AllowedValues.map(String) } : {}),
      ...(noEcho ? { noEcho } : {}),
    };
  });
}
