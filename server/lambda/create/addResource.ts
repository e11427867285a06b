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
  const entry = entryOf(logicalId, resource);
  if (text === undefined || text.trim() === '') return `${NEW_TEMPLATE}${entry(2)}`;
  const pair = resourcesOf(text);
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

/**
 * Puts a resource in place of the one with the same logical ID (its key's line through the end of its
 * body; comments above it and everything else stay byte for byte), or adds it when there is none.
 */
export function putResource(text: string | undefined, logicalId: string, resource: string): string {
  if (text === undefined || text.trim() === '') return addResource(text, logicalId, resource);
  const value = resourcesOf(text)?.value;
  const pair = isMap(value) ? (value.items.find((p) => isScalar(p.key) && p.key.value === logicalId) as Pair | undefined) : undefined;
  if (!pair) return addResource(text, logicalId, resource);
  if (!isMap(value) || value.flow) throw new TemplateEditError('Resources is written in flow style ({ … }): change the resource by hand');
  const keyStart = (pair.key as { range?: [number, number, number] }).range?.[0] ?? 0;
  const lineStart = text.lastIndexOf('\n', keyStart - 1) + 1;
  const indent = keyStart - lineStart;
  const valueEnd = (pair.value as { range?: [number, number, number] } | null)?.range?.[1] ?? keyStart;
  const end = text[valueEnd - 1] === '\n' ? valueEnd : text.indexOf('\n', valueEnd) < 0 ? text.length : text.indexOf('\n', valueEnd) + 1;
  return `${text.slice(0, lineStart)}${entryOf(logicalId, resource)(indent)}${text.slice(end)}`;
}

/** The resource's lines under its key, at the resources' indentation. */
const entryOf =
  (logicalId: string, resource: string) =>
  (indent: number): string =>
    `${' '.repeat(indent)}${logicalId}:\n${resource
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => ' '.repeat(Math.max(0, indent - 2)) + l)
      .join('\n')}\n`;

/** The template's `Resources` section (undefined without one); throws when the text is not a template's map. */
function resourcesOf(text: string): Pair | undefined {
  const doc = parseDocument(text, { customTags: cloudFormationTags, uniqueKeys: false });
  if (doc.errors.length) throw new TemplateEditError(`the template has a YAML error: ${doc.errors[0]?.message.split('\n')[0] ?? ''}`);
  if (!isMap(doc.contents)) throw new TemplateEditError('the template is not a map of sections');
  return doc.contents.items.find((p) => isScalar(p.key) && p.key.value === 'Resources') as Pair | undefined;
}

/** Whether the template has a resource with this logical ID (a template that cannot be read has none). */
export function hasResource(text: string | undefined, logicalId: string): boolean {
  if (text === undefined || text.trim() === '') return false;
  try {
    const value = resourcesOf(text)?.value;
    return isMap(value) && value.items.some((p) => isScalar(p.key) && p.key.value === logicalId);
  } catch {
    return false;
  }
}
