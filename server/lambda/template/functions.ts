import fs from 'node:fs';
import path from 'node:path';
import { resolveInside } from '../../files/pathGuard.js';
import {
  FUNCTION_NAME,
  SUPPORTED_RUNTIME,
  type FunctionSpec,
  type BuildSpec,
  type LayerSpec,
  type PseudoParameters,
  type TemplateProblem,
} from '../types.js';
import { Resolver, Unresolved, describe, findUnresolved } from './intrinsics.js';
import { httpRoutesOf } from './httpEvents.js';
import { FUNCTION_TYPES, buildScope, mergeGlobals } from './scope.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface TemplateInput {
  root: string;
  /** Workspace-relative template path. */
  file: string;
  template: Record<string, unknown>;
  /** Line and column of each resource's key. */
  positions: Map<string, { line: number; column: number }>;
  /** Line and column of each parameter's key. */
  paramLines: Map<string, { line: number; column: number }>;
  pseudo: PseudoParameters;
  /** `AWS::StackName` and `AWS::StackId` of this template. */
  stackName: string;
  stackId: string;
  /** Parameter values that win over the template's defaults. */
  overrides: Record<string, string>;
  /** The name of a function that has no FunctionName (see naming.ts). */
  nameOf(logicalId: string): string;
}

class FunctionProblem extends Error {}
/** A function that is well defined but cannot run here (a container image, code in S3): listed, with why. */
class NotLocal extends FunctionProblem {}

/** The functions a parsed template declares, and a problem for each one that cannot run. */
export function functionsOf(input: TemplateInput): { functions: FunctionSpec[]; problems: TemplateProblem[] } {
  const { template, file } = input;
  const resources = template.Resources as Record<string, unknown>;
  const typed: Record<string, Record<string, unknown>> = {};
  for (const [id, res] of Object.entries(resources)) if (isObject(res)) typed[id] = res;
  const dirRel = path.posix.dirname(file) === '.' ? '' : path.posix.dirname(file);
  const { scope, functionNames } = buildScope(
    template,
    typed,
    { ...input.pseudo, stackName: input.stackName, stackId: input.stackId },
    { overrides: input.overrides, nameOf: input.nameOf },
  );
  const resolver = new Resolver(scope);
  const globals = isObject(template.Globals) && isObject(template.Globals.Function) ? template.Globals.Function : {};

  const functions: FunctionSpec[] = [];
  const problems: TemplateProblem[] = [];
  // Parameters nothing gives a value: the sidebar asks for them (functions that use them cannot resolve).
  for (const name of scope.parametersWithoutDefault) {
    problems.push({
      file,
      ...(input.paramLines.get(name) ?? {}),
      severity: 'warning',
      parameter: name,
      message: `parameter ${name} has no Default: give it a value (lambda.parameterOverrides, or samconfig.toml's parameter_overrides)`,
    });
  }
  for (const [logicalId, res] of Object.entries(typed)) {
    if (!FUNCTION_TYPES.has(String(res.Type))) continue;
    const pos = input.positions.get(logicalId) ?? { line: 1, column: 1 };
    try {
      if (res.Condition !== undefined && typeof res.Condition === 'string') {
        let enabled: boolean;
        try {
          enabled = resolver.condition(res.Condition);
        } catch (err) {
          if (!(err instanceof Unresolved)) throw err;
          enabled = true; // cannot tell locally: keep the function usable
        }
        if (!enabled) {
          problems.push({
            file,
            line: pos.line,
            column: pos.column,
            logicalId,
            severity: 'warning',
            message: `${logicalId}: left out, as CloudFormation would: its Condition ${res.Condition} is false`,
          });
          continue;
        }
      }
      const serverless = res.Type === 'AWS::Serverless::Function';
      const rawProps = isObject(res.Properties) ? res.Properties : {};
      const props = serverless ? (mergeGlobals(globals, rawProps) as Record<string, unknown>) : rawProps;
      const name = functionNames.get(logicalId);
      if (name instanceof Unresolved) throw new FunctionProblem(`FunctionName ${name.toString()} cannot be resolved locally`);
      functions.push(buildSpec({ input, dirRel, logicalId, name: name ?? logicalId, serverless, props, typed, resolver, line: pos.line }));
    } catch (err) {
      if (!(err instanceof FunctionProblem)) throw err;
      const name = functionNames.get(logicalId);
      problems.push({
        file,
        line: pos.line,
        column: pos.column,
        logicalId,
        message: `${logicalId}: ${err.message}`,
        ...(err instanceof NotLocal
          ? { severity: 'warning' as const, unavailable: { name: typeof name === 'string' ? name : logicalId } }
          : {}),
      });
    }
  }
  return { functions, problems };
}

interface BuildArgs {
  input: TemplateInput;
  dirRel: string;
  logicalId: string;
  name: string;
  serverless: boolean;
  props: Record<string, unknown>;
  typed: Record<string, Record<string, unknown>>;
  resolver: Resolver;
  line: number;
}

function buildSpec(a: BuildArgs): FunctionSpec {
  const warnings: string[] = [];
  const value = (prop: string): unknown => {
    if (a.props[prop] === undefined) return undefined;
    const v = a.resolver.resolve(a.props[prop]);
    const unresolved = findUnresolved(v);
    if (unresolved) throw new FunctionProblem(`${prop} ${unresolved.toString()} cannot be resolved locally`);
    return v;
  };
  const str = (prop: string): string | undefined => {
    const v = value(prop);
    if (v === undefined || typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
    throw new FunctionProblem(`${prop} must be a string`);
  };
  const int = (prop: string, fallback: number, min: number, max: number): number => {
    const v = value(prop);
    if (v === undefined) return fallback;
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
      throw new FunctionProblem(`${prop} must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    }
    return n;
  };

  if (!FUNCTION_NAME.test(a.name)) throw new FunctionProblem(`function name "${a.name}" must be 1 to 64 letters, digits, - or _`);
  if (str('PackageType') === 'Image')
    throw new NotLocal('a container image function (PackageType: Image): Nimbus runs Zip functions from the workspace, without Docker');
  const runtime = str('Runtime');
  if (!runtime) throw new FunctionProblem('Runtime is missing');
  if (!SUPPORTED_RUNTIME.test(runtime))
    throw new FunctionProblem(
      `Runtime ${runtime} is not supported locally (nodejs*.x, python3.*, provided, provided.al2, provided.al2023)`,
    );
  const handler = str('Handler') ?? '';
  if (!handler && !runtime.startsWith('provided')) throw new FunctionProblem('Handler is missing');
  // Lambda resolves the handler's file inside the code folder; an absolute path or `..` would run code from elsewhere.
  if (handler.startsWith('/') || handler.split('/').includes('..') || handler.includes('\\')) {
    throw new FunctionProblem(`Handler ${handler} must name a file inside the function's code folder (like src/app.handler)`);
  }

  const { codeDir, codeUri, inlineCode } = codeOf(a, value);
  const envVars: Record<string, string> = {};
  const env = a.props.Environment;
  const vars = isObject(env) && isObject(env.Variables) ? env.Variables : {};
  for (const [k, raw] of Object.entries(vars)) {
    const v = a.resolver.resolve(raw);
    const unresolved = findUnresolved(v);
    if (unresolved) {
      warnings.push(`Environment.Variables.${k}: ${unresolved.toString()}; set to ""`);
      envVars[k] = '';
    } else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') envVars[k] = String(v);
    else warnings.push(`Environment.Variables.${k} is not a string; left out`);
  }
  const storage = value('EphemeralStorage');
  const eventConfig = eventInvokeConfig(a);
  const events = isObject(a.props.Events)
    ? Object.entries(a.props.Events).map(([name, e]) => ({ name, type: isObject(e) && typeof e.Type === 'string' ? e.Type : 'Unknown' }))
    : [];
  const http = httpRoutesOf({
    file: a.input.file,
    logicalId: a.logicalId,
    name: a.name,
    events: a.props.Events,
    urlConfig: a.serverless ? a.props.FunctionUrlConfig : undefined,
    template: a.input.template,
    typed: a.typed,
    resolver: a.resolver,
  });
  warnings.push(...http.warnings);
  const architectures = value('Architectures');
  const role = a.props.Role === undefined ? undefined : a.resolver.resolve(a.props.Role);
  return {
    name: a.name,
    logicalId: a.logicalId,
    template: a.input.file,
    line: a.line,
    runtime,
    handler,
    codeDir,
    codeUri,
    inlineCode,
    description: str('Description') ?? '',
    role: typeof role === 'string' ? role : undefined,
    timeout: int('Timeout', 3, 1, 900),
    memorySize: int('MemorySize', 128, 128, 10240),
    environment: envVars,
    reservedConcurrency: a.props.ReservedConcurrentExecutions === undefined ? undefined : int('ReservedConcurrentExecutions', 0, 0, 100000),
    ephemeralStorage: isObject(storage) && typeof storage.Size === 'number' ? storage.Size : 512,
    architectures:
      Array.isArray(architectures) && architectures.every((x) => typeof x === 'string') ? (architectures as string[]) : ['x86_64'],
    layers: layersOf(a, warnings),
    ...buildOf(a.typed[a.logicalId], warnings),
    tags: tagsOf(a.serverless, a.props.Tags === undefined ? undefined : a.resolver.resolve(a.props.Tags)),
    perTenant: (() => {
      const t = value('TenancyConfig');
      return isObject(t) && t.TenantIsolationMode === 'PER_TENANT';
    })(),
    events,
    routes: http.routes,
    maxRetryAttempts: eventConfig.maxRetryAttempts,
    maxEventAgeSeconds: eventConfig.maxEventAgeSeconds,
    warnings,
  };
}

/** Where the code is: a folder inside the workspace (CodeUri / Code as a path) or inline text. */
function codeOf(
  a: BuildArgs,
  value: (prop: string) => unknown,
): { codeDir: string; codeUri: string | undefined; inlineCode: string | undefined } {
  const inline = a.serverless
    ? value('InlineCode')
    : isObject(a.props.Code) && a.props.Code.ZipFile !== undefined
      ? a.resolver.resolve(a.props.Code.ZipFile)
      : undefined;
  if (inline !== undefined) {
    if (typeof inline !== 'string') throw new FunctionProblem('inline code must be a string');
    return { codeDir: '', codeUri: undefined, inlineCode: inline };
  }
  const uri = value(a.serverless ? 'CodeUri' : 'Code') ?? '.';
  if (typeof uri !== 'string') {
    if (isObject(uri) && (uri.Bucket || uri.S3Bucket)) {
      throw new NotLocal(
        `${a.serverless ? 'CodeUri' : 'Code'} points to S3 (${describe(uri)}); Nimbus runs code from the workspace: give a folder path`,
      );
    }
    throw new FunctionProblem(`${a.serverless ? 'CodeUri' : 'Code'} must be a folder path`);
  }
  return { ...localDir(a, uri, a.serverless ? 'CodeUri' : 'Code'), inlineCode: undefined };
}

function localDir(a: BuildArgs, uri: string, prop: string): { codeDir: string; codeUri: string } {
  if (/^s3:\/\//.test(uri)) throw new NotLocal(`${prop} ${uri} is in S3; Nimbus runs code from the workspace: give a folder path`);
  const rel = path.posix.normalize(path.posix.join(a.dirRel, uri.replace(/\\/g, '/')));
  if (rel === '..' || rel.startsWith('../') || path.posix.isAbsolute(rel))
    throw new FunctionProblem(`${prop} ${uri} leads outside the workspace`);
  const clean = rel === '.' ? '' : rel.replace(/\/$/, '');
  let abs: string;
  try {
    abs = resolveInside(a.input.root, clean).abs;
  } catch (err) {
    throw new FunctionProblem(`${prop} ${uri}: ${(err as Error).message}`);
  }
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    throw new FunctionProblem(`${prop} folder ${clean || '.'} does not exist`);
  }
  if (!st.isDirectory())
    throw new FunctionProblem(`${prop} ${clean} is not a folder (zip files are not unpacked; point to the source folder)`);
  return { codeDir: abs, codeUri: clean };
}

/** Local layers referenced with `!Ref` to a LayerVersion in the same template; others are noted and skipped. */
function layersOf(a: BuildArgs, warnings: string[]): LayerSpec[] {
  const raw = a.props.Layers;
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new FunctionProblem('Layers must be a list');
  const layers: LayerSpec[] = [];
  for (const entry of raw) {
    const ref = isObject(entry) && typeof entry.Ref === 'string' ? entry.Ref : undefined;
    const res = ref ? a.typed[ref] : undefined;
    if (res && (res.Type === 'AWS::Serverless::LayerVersion' || res.Type === 'AWS::Lambda::LayerVersion')) {
      const props = isObject(res.Properties) ? res.Properties : {};
      const prop = res.Type === 'AWS::Serverless::LayerVersion' ? 'ContentUri' : 'Content';
      const uri = a.resolver.resolve(props[prop] ?? '.');
      if (typeof uri !== 'string') {
        warnings.push(`layer ${ref}: ${prop} is not a local folder; skipped`);
        continue;
      }
      const method = isObject(res.Metadata) && typeof res.Metadata.BuildMethod === 'string' ? res.Metadata.BuildMethod : undefined;
      layers.push({
        logicalId: ref as string,
        dir: localDir(a, uri, `layer ${ref} ${prop}`).codeDir,
        ...(method ? { buildMethod: method } : {}),
      });
    } else {
      const resolved = a.resolver.resolve(entry);
      warnings.push(`layer ${typeof resolved === 'string' ? resolved : describe(entry)} is not defined in this template; skipped`);
    }
  }
  return layers;
}

/** MaximumRetryAttempts / MaximumEventAgeInSeconds from SAM's EventInvokeConfig or an AWS::Lambda::EventInvokeConfig. */
function eventInvokeConfig(a: BuildArgs): { maxRetryAttempts: number; maxEventAgeSeconds: number } {
  let config: Record<string, unknown> | undefined = isObject(a.props.EventInvokeConfig) ? a.props.EventInvokeConfig : undefined;
  for (const res of Object.values(a.typed)) {
    if (res.Type !== 'AWS::Lambda::EventInvokeConfig' || !isObject(res.Properties)) continue;
    const target = a.resolver.resolve(res.Properties.FunctionName);
    if (target === a.name) config = res.Properties;
  }
  const num = (v: unknown, fallback: number, min: number, max: number): number => {
    const n = typeof v === 'string' ? Number(v) : v;
    return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max ? n : fallback;
  };
  return {
    maxRetryAttempts: num(config && a.resolver.resolve(config.MaximumRetryAttempts), 2, 0, 2),
    maxEventAgeSeconds: num(config && a.resolver.resolve(config.MaximumEventAgeInSeconds), 21600, 60, 21600),
  };
}

/** SAM's Tags are a map (and SAM adds `lambda:createdBy`); CloudFormation's a list of Key/Value. */
function tagsOf(serverless: boolean, raw: unknown): Record<string, string> {
  const tags: Record<string, string> = {};
  if (isObject(raw)) for (const [k, v] of Object.entries(raw)) if (typeof v === 'string' || typeof v === 'number') tags[k] = String(v);
  if (Array.isArray(raw))
    for (const t of raw)
      if (isObject(t) && typeof t.Key === 'string' && (typeof t.Value === 'string' || typeof t.Value === 'number'))
        tags[t.Key] = String(t.Value);
  if (serverless) tags['lambda:createdBy'] = 'SAM';
  return tags;
}

/** `Metadata: BuildMethod: esbuild | makefile` (with `BuildProperties`); other methods are the runtime's own. */
function buildOf(res: Record<string, unknown> | undefined, warnings: string[]): { build?: BuildSpec } {
  const meta = res && isObject(res.Metadata) ? res.Metadata : undefined;
  const method = meta?.BuildMethod;
  if (method === undefined) return {};
  const properties = isObject(meta?.BuildProperties) ? meta.BuildProperties : {};
  if (method === 'esbuild' || method === 'makefile') return { build: { method, properties } };
  if (typeof method === 'string' && /^(nodejs\d+\.x|python3\.\d+)$/.test(method)) return {};
  warnings.push(`Metadata.BuildMethod ${String(method)} is not supported locally; the code runs as it is`);
  return {};
}
