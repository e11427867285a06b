import { NO_VALUE, Resolver, Unresolved, findUnresolved, type ResolveScope } from './intrinsics.js';
import type { PseudoParameters } from '../types.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const FUNCTION_TYPES = new Set(['AWS::Serverless::Function', 'AWS::Lambda::Function']);

/**
 * Builds what intrinsics can see in one template: parameters (their defaults), pseudo parameters, and the
 * values of resources whose physical names are written in the template. Function names need a first
 * pass (a FunctionName may itself use `!Sub`); everything else then resolves against the full scope.
 */
export function buildScope(
  template: Record<string, unknown>,
  resources: Record<string, Record<string, unknown>>,
  pseudo: PseudoParameters & { stackName: string; stackId: string },
  options: { overrides: Record<string, string>; nameOf: (logicalId: string) => string },
): { scope: ResolveScope; functionNames: Map<string, string | Unresolved> } {
  const { region, accountId, stackName, stackId } = pseudo;
  const scope: ResolveScope = {
    parameters: new Map(),
    parametersWithoutDefault: new Set(),
    pseudo: new Map<string, unknown>([
      ['AWS::Region', region],
      ['AWS::AccountId', accountId],
      ['AWS::StackName', stackName],
      ['AWS::StackId', stackId],
      ['AWS::Partition', 'aws'],
      ['AWS::URLSuffix', 'amazonaws.com'],
      ['AWS::NotificationARNs', []],
      ['AWS::NoValue', NO_VALUE],
    ]),
    refs: new Map(),
    attributes: new Map(),
    resources: new Set(Object.keys(resources)),
    conditions: isObject(template.Conditions) ? template.Conditions : {},
    mappings: isObject(template.Mappings) ? template.Mappings : {},
  };
  const params = isObject(template.Parameters) ? template.Parameters : {};
  for (const [name, def] of Object.entries(params)) {
    const override = options.overrides[name];
    if (override === undefined && (!isObject(def) || def.Default === undefined)) {
      scope.parametersWithoutDefault.add(name);
      continue;
    }
    const type = isObject(def) && typeof def.Type === 'string' ? def.Type : 'String';
    const value = override ?? (def as Record<string, unknown>).Default;
    const isList = type === 'CommaDelimitedList' || type.startsWith('List<');
    scope.parameters.set(name, isList && typeof value === 'string' ? value.split(',').map((v) => v.trim()) : value);
  }

  const first = new Resolver(scope);
  const functionNames = new Map<string, string | Unresolved>();
  for (const [id, res] of Object.entries(resources)) {
    if (!FUNCTION_TYPES.has(String(res.Type))) continue;
    const props = isObject(res.Properties) ? res.Properties : {};
    if (props.FunctionName === undefined) {
      functionNames.set(id, options.nameOf(id));
      continue;
    }
    const name = first.resolve(props.FunctionName);
    functionNames.set(id, typeof name === 'string' ? name : (findUnresolved(name) ?? new Unresolved('FunctionName', 'must be a string')));
  }
  for (const [id, name] of functionNames) {
    if (typeof name !== 'string') continue;
    scope.refs.set(id, name);
    scope.attributes.set(`${id}.Arn`, `arn:aws:lambda:${region}:${accountId}:function:${name}`);
  }

  // A few resource types whose Ref/Arn follow from a name written in the template.
  for (const [id, res] of Object.entries(resources)) {
    const props = isObject(res.Properties) ? res.Properties : {};
    const named = (prop: string): string | undefined => {
      const v = props[prop] === undefined ? undefined : first.resolve(props[prop]);
      return typeof v === 'string' ? v : undefined;
    };
    switch (res.Type) {
      case 'AWS::DynamoDB::Table': {
        const n = named('TableName');
        if (n) {
          scope.refs.set(id, n);
          scope.attributes.set(`${id}.Arn`, `arn:aws:dynamodb:${region}:${accountId}:table/${n}`);
        }
        break;
      }
      case 'AWS::S3::Bucket': {
        const n = named('BucketName');
        if (n) {
          scope.refs.set(id, n);
          scope.attributes.set(`${id}.Arn`, `arn:aws:s3:::${n}`);
        }
        break;
      }
      case 'AWS::SQS::Queue': {
        const n = named('QueueName');
        if (n) {
          scope.refs.set(id, `https://sqs.${region}.amazonaws.com/${accountId}/${n}`);
          scope.attributes.set(`${id}.Arn`, `arn:aws:sqs:${region}:${accountId}:${n}`);
          scope.attributes.set(`${id}.QueueName`, n);
        }
        break;
      }
      case 'AWS::SNS::Topic': {
        const n = named('TopicName');
        if (n) scope.refs.set(id, `arn:aws:sns:${region}:${accountId}:${n}`);
        break;
      }
    }
  }
  return { scope, functionNames };
}

/**
 * SAM's Globals rules: a function's own primitive values win, maps merge (the function's keys win),
 * lists are concatenated with the global items first.
 */
export function mergeGlobals(globals: unknown, own: unknown): unknown {
  if (own === undefined) return globals;
  if (globals === undefined) return own;
  if (Array.isArray(globals) && Array.isArray(own)) return [...globals, ...own];
  if (isObject(globals) && isObject(own) && !isIntrinsicObject(own) && !isIntrinsicObject(globals)) {
    const out: Record<string, unknown> = { ...globals };
    for (const [k, v] of Object.entries(own)) out[k] = mergeGlobals(globals[k], v);
    return out;
  }
  return own;
}

const isIntrinsicObject = (v: Record<string, unknown>): boolean => {
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'Ref' || (keys[0] as string).startsWith('Fn::'));
};
