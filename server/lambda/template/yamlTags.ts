import type { CollectionTag, ScalarTag, YAMLMap, YAMLSeq } from 'yaml';

/**
 * CloudFormation's short-form intrinsics (`!Ref X`, `!Sub [...]`, `!GetAtt A.B`) as YAML custom tags.
 * Each one becomes the long form (`{ Ref: X }`, `{ 'Fn::Sub': [...] }`) so one resolver handles both.
 * Every tag is accepted on scalars, sequences and maps: CloudFormation decides what is valid, and an
 * unusual-but-legal form must not make the whole template unreadable.
 */
export const INTRINSICS = [
  'Ref',
  'Condition',
  'Sub',
  'GetAtt',
  'If',
  'Join',
  'Select',
  'Split',
  'FindInMap',
  'Base64',
  'Cidr',
  'Equals',
  'Not',
  'And',
  'Or',
  'GetAZs',
  'ImportValue',
  'Transform',
  'Length',
  'ToJsonString',
] as const;

export const longName = (name: string): string => (name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`);

export function scalarValue(name: string, value: string): unknown {
  // `!GetAtt Resource.Attribute` splits at the first dot only (attributes may contain dots).
  if (name === 'GetAtt') {
    const dot = value.indexOf('.');
    return dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)];
  }
  return value;
}

export const cloudFormationTags: (ScalarTag | CollectionTag)[] = INTRINSICS.flatMap((name) => {
  const key = longName(name);
  const scalar: ScalarTag = { tag: `!${name}`, resolve: (value: string) => ({ [key]: scalarValue(name, value) }) };
  const seq: CollectionTag = {
    tag: `!${name}`,
    collection: 'seq',
    resolve: (value: YAMLMap.Parsed | YAMLSeq.Parsed) => ({ [key]: value.toJSON() }),
  };
  const map: CollectionTag = {
    tag: `!${name}`,
    collection: 'map',
    resolve: (value: YAMLMap.Parsed | YAMLSeq.Parsed) => ({ [key]: value.toJSON() }),
  };
  return [scalar, seq, map];
});
