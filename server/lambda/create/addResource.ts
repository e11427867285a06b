import { isMap, isScalar, parseDocument, type Pair } from 'yaml';
import { cloudFormationTags } from '../template/yamlTags.js';

export class TemplateEditError extends Error {}

const NEW_TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: The workspace's functions

Resources:
`;

/**
 * Adds a resource to a template's text, changing nothing else: the new lines are spliced in after the
 * last resource (at the resources' own indentation), so comments, order, quoting and intrinsics stay
 * byte for byte. `resource` is the resource's body (Type, Properties…) indented by 4 under its key.
 * Without a template, a new one is made.
 */
export function addResource(text: string | undefined, logicalId: string, resource: string): string {
  const entry = (indent: number): string =>
    `${' '.repeat(indent)}${logicalId}:\n${resource
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => ' '.repeat(Math.max(0, indent - 2)) + l)
      .join('\n')}\n`;
  if (text === undefined || text.trim() === '') return `${NEW_TEMPLATE}${entry(2)}`;
  const doc = parseDocument(text, { customTags: cloudFormationTags, uniqueKeys: false });
  if (doc.errors.length) throw new TemplateEditError(`the template has a YAML error: ${doc.errors[0]?.message.split('\n')[0] ?? ''}`);
  if (!isMap(doc.contents)) throw new TemplateEditError('the template is not a map of sections');
  const pair = doc.contents.items.find((p) => isScalar(p.key) && p.key.value === 'Resources') as Pair | undefined;
  const withNewline = text.endsWith('\n') ? text : `${text}\n`;
  if (!pair) return `${withNewline}\nResources:\n${entry(2)}`;
  const value = pair.value;
  if (isMap(value) && value.items.some((p) => isScalar(p.key) && p.key.value === logicalId)) {
    throw new TemplateEditError(`the template has a resource ${logicalId} already`);
  }
  const keyEnd = (pair.key as { range?: [number, number, number] }).range?.[1] ?? 0;
  // `Resources:` with nothing, or `Resources: {}`: the new resource becomes its block.
  const nothing = value === null || (isScalar(value) && (value.value === null || value.value === ''));
  if (nothing || (isMap(value) && value.items.length === 0)) {
    const colon = text.indexOf(':', keyEnd);
    const lineEnd = text.indexOf('\n', colon);
    const end = isMap(value) && value.range ? value.range[1] : lineEnd < 0 ? text.length : lineEnd;
    return `${text.slice(0, colon + 1)}\n${entry(2)}${text.slice(end).replace(/^[^\S\n]*\n/, '')}`;
  }
  if (!isMap(value) || value.flow || !value.range)
    throw new TemplateEditError('Resources is written in flow style ({ … }): add the resource by hand');
  const first = value.items[0]?.key as { range?: [number, number, number] } | undefined;
  const firstStart = first?.range?.[0] ?? value.range[0];
  const indent = firstStart - (text.lastIndexOf('\n', firstStart - 1) + 1);
  // After the last resource's content (before trailing blank lines or comments of the section's end).
  const at = value.range[1];
  const lineEnd = text.indexOf('\n', at - 1 < 0 ? 0 : at - 1);
  const insertAt = text[at - 1] === '\n' ? at : lineEnd < 0 ? text.length : lineEnd + 1;
  const before = text.slice(0, insertAt);
  return `${before.endsWith('\n') ? before : `${before}\n`}${entry(indent)}${text.slice(insertAt)}`;
}
