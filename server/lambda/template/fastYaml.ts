import {
  CORE_SCHEMA,
  EVENT_ID,
  constructFromEvents,
  defineMappingTag,
  defineScalarTag,
  defineSequenceTag,
  getScalarValue,
  mapTag,
  parseEvents,
} from 'js-yaml';
import type { Event, ScalarEvent } from 'js-yaml';
import { INTRINSICS, longName, scalarValue } from './yamlTags.js';

/**
 * The quick way to read a template: js-yaml's event parser, several times faster than the `yaml`
 * library on a cold start (a workspace's first function list parses every template). It reads only
 * what needs no leniency: anything it refuses — a syntax error, a key given twice, an alias, a second
 * document, a flow collection continued at its key's level — is read again by the `yaml` library
 * (discover.ts), which reads leniently, warns, and reports errors by line. Both read the YAML 1.2 core
 * schema, so a template that both accept means the same to each.
 */
const schema = CORE_SCHEMA.withTags(
  INTRINSICS.flatMap((name) => {
    const key = longName(name);
    const never = (): boolean => false;
    return [
      defineScalarTag(`!${name}`, { resolve: (source: string) => ({ [key]: scalarValue(name, source) }), identify: never }),
      defineSequenceTag(`!${name}`, {
        create: (): unknown[] => [],
        addItem: (items: unknown[], item: unknown) => void items.push(item),
        finalize: (items: unknown[]) => ({ [key]: items }),
        identify: never,
      }),
      defineMappingTag(`!${name}`, {
        create: mapTag.create,
        addPair: mapTag.addPair,
        has: mapTag.has,
        keys: (result: Record<string, unknown>) => Object.keys(result),
        get: (result: Record<string, unknown>, k: unknown) => result[String(k)],
        finalize: (map: Record<string, unknown>) => ({ [key]: map }),
        identify: never,
      }),
    ];
  }),
);

export interface QuickRead {
  value: unknown;
  /** Line and column (1-based) of each key of the top-level mappings asked for, by section. */
  keyLines: Map<string, Map<string, { line: number; column: number }>>;
}

/** Reads `text` as one YAML document, or answers undefined when it needs the lenient reader. */
export function readQuickly(text: string, sections: readonly string[]): QuickRead | undefined {
  let events: Event[];
  let value: unknown;
  try {
    events = parseEvents(text, {});
    const docs = constructFromEvents(events, { source: text, schema, maxAliases: 0 });
    if (docs.length !== 1) return undefined;
    value = docs[0];
  } catch {
    return undefined;
  }
  return { value, keyLines: topLevelKeyLines(text, events, sections) };
}

/** Finds the keys of the named top-level mappings in the event stream: exact positions, no guessing. */
function topLevelKeyLines(text: string, events: Event[], sections: readonly string[]): QuickRead['keyLines'] {
  const found = new Map<string, Map<string, { line: number; column: number }>>();
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const position = (offset: number): { line: number; column: number } => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (lineStarts[lo] as number) + 1 };
  };
  // Where a key starts: a quoted key's position is its opening quote, as the lenient reader reports it.
  const keyStart = (e: ScalarEvent): number => (e.style === 2 || e.style === 3 ? e.valueStart - 1 : e.valueStart);
  /** The index of the event after the node that starts at `i`. */
  const skip = (i: number): number => {
    let depth = 0;
    do {
      const type = (events[i] as Event).type;
      if (type === EVENT_ID.SEQUENCE || type === EVENT_ID.MAPPING) depth++;
      else if (type === EVENT_ID.POP) depth--;
      i++;
    } while (depth > 0 && i < events.length);
    return i;
  };
  // DOCUMENT, then the top-level MAPPING; its entries follow as key node, value node, until its POP.
  if (events[0]?.type !== EVENT_ID.DOCUMENT || events[1]?.type !== EVENT_ID.MAPPING) return found;
  let i = 2;
  while (i < events.length && (events[i] as Event).type !== EVENT_ID.POP) {
    const key = events[i] as Event;
    const valueAt = skip(i);
    const section = key.type === EVENT_ID.SCALAR ? getScalarValue(text, key) : undefined;
    if (section !== undefined && sections.includes(section) && events[valueAt]?.type === EVENT_ID.MAPPING) {
      const lines = new Map<string, { line: number; column: number }>();
      let j = valueAt + 1;
      while (j < events.length && (events[j] as Event).type !== EVENT_ID.POP) {
        const inner = events[j] as Event;
        if (inner.type === EVENT_ID.SCALAR) lines.set(getScalarValue(text, inner), position(keyStart(inner)));
        j = skip(skip(j));
      }
      found.set(section, lines);
    }
    i = skip(valueAt);
  }
  return found;
}
