import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import v8 from 'node:v8';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TemplateProblem } from '../types.js';
import type { ParsedTemplate } from './discover.js';

type Parsed = ParsedTemplate | TemplateProblem | undefined;
interface Entry {
  text: string;
  parsed: Parsed;
}

/** As written to disk (V8's serialization: Maps, NaN and -0 come back as they were): a template's text by its hash. */
interface StoredEntry {
  hash: string;
  parsed: Parsed;
}

interface StoredCache {
  fingerprint: string;
  entries: Map<string, StoredEntry>;
}

const MAX_CACHED = 5000;
/** A cache file past this is not written (the templates are read again instead). */
const MAX_STORED_BYTES = 32 * 1024 * 1024;

/**
 * Parsed templates, so that reading the templates again parses only those that changed: in memory for
 * the life of the template thread, and in a file of the server's data dir per workspace, so that the
 * first function list after a restart does not parse every template again (parsing is most of that
 * work). The file is Nimbus's own and is never inside the workspace; an entry is used only for the
 * very text it was parsed from (by hash) and by the very reader that parsed it (a fingerprint of the
 * reader's code and libraries), so a stale or damaged file is a miss, never a wrong answer.
 */
export class ParseCache {
  private readonly memory = new Map<string, Entry>();
  /** Per cache file, what it held when loaded (file → stored entry), until the first save. */
  private readonly stored = new Map<string, Map<string, StoredEntry>>();

  get(root: string, file: string, text: string, cacheFile: string | undefined, parse: () => Parsed): Parsed {
    const key = `${root}\0${file}`;
    const hit = this.memory.get(key);
    if (hit && hit.text === text) return hit.parsed;
    let parsed: Parsed;
    const stored = cacheFile ? this.load(cacheFile).get(file) : undefined;
    if (stored && stored.hash === hashOf(text)) parsed = stored.parsed;
    else parsed = parse();
    this.memory.delete(key);
    this.memory.set(key, { text, parsed });
    // The oldest entries go first (a Map keeps insertion order; a hit above is not re-inserted: cheap enough).
    while (this.memory.size > MAX_CACHED) this.memory.delete(this.memory.keys().next().value as string);
    return parsed;
  }

  /** Writes what the workspace's templates are now (those of `files` that were read), if the file says otherwise. */
  save(root: string, files: readonly string[], cacheFile: string | undefined): void {
    if (!cacheFile) return;
    const before = this.load(cacheFile);
    const entries = new Map<string, StoredEntry>();
    for (const file of files) {
      const entry = this.memory.get(`${root}\0${file}`);
      if (!entry) continue; // not read this time (it could not be)
      const hash = hashOf(entry.text);
      entries.set(file, before.get(file)?.hash === hash ? (before.get(file) as StoredEntry) : { hash, parsed: entry.parsed });
    }
    if (entries.size === before.size && [...entries].every(([file, e]) => before.get(file) === e)) return;
    this.stored.set(cacheFile, entries);
    try {
      const data = v8.serialize({ fingerprint: readerFingerprint(), entries } satisfies StoredCache);
      if (data.length > MAX_STORED_BYTES) return;
      fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
      // Written aside and renamed: a crash leaves the old file or the new one, never half of one.
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, data, { mode: 0o600 });
      fs.renameSync(tmp, cacheFile);
    } catch {
      // A cache that cannot be written costs time on the next start, nothing else.
    }
  }

  private load(cacheFile: string): Map<string, StoredEntry> {
    let entries = this.stored.get(cacheFile);
    if (entries) return entries;
    entries = new Map();
    try {
      const data = v8.deserialize(fs.readFileSync(cacheFile)) as Partial<StoredCache>;
      if (data.fingerprint === readerFingerprint() && data.entries instanceof Map) {
        for (const [file, entry] of data.entries as Map<unknown, Partial<StoredEntry>>) {
          if (typeof file === 'string' && typeof entry?.hash === 'string' && 'parsed' in entry) entries.set(file, entry as StoredEntry);
        }
      }
    } catch {
      // None yet, or unreadable: every template is parsed, and the file written anew.
    }
    this.stored.set(cacheFile, entries);
    return entries;
  }
}

const hashOf = (text: string): string => createHash('sha256').update(text).digest('base64url');

let fingerprint: string | undefined;

/**
 * What the cached results depend on: the code that reads templates and the YAML libraries' versions.
 * A change to either makes every cached entry a miss.
 */
function readerFingerprint(): string {
  if (fingerprint) return fingerprint;
  const hash = createHash('sha256');
  const here = fileURLToPath(import.meta.url);
  const ext = path.extname(here);
  for (const name of ['discover', 'fastYaml', 'yamlTags', 'lenientYaml', 'parseCache']) {
    try {
      hash.update(fs.readFileSync(path.join(path.dirname(here), name + ext)));
    } catch {
      hash.update(`${name}: missing`);
    }
  }
  const require = createRequire(import.meta.url);
  for (const pkg of ['js-yaml', 'yaml']) hash.update(`${pkg}@${(require(`${pkg}/package.json`) as { version: string }).version}`);
  fingerprint = hash.digest('base64url');
  return fingerprint;
}
