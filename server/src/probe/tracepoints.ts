// Tracepoint formats: a bundled catalog of common tracepoints (tracepoint-data.ts) and, when the
// tracing filesystem is readable, the live formats from /sys/kernel/tracing/events.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { TRACEPOINT_DATA } from './tracepoint-data';

export interface TracepointField {
  name: string;
  /** The C type as the format file writes it, with any array suffix: `const char *`, `char[16]`, `__data_loc char[]`. */
  type: string;
  offset: number;
  size: number;
  signed: boolean;
  /** A `__data_loc` field: the record holds (length << 16 | offset) of variable-length data. */
  dataLoc: boolean;
}

export interface TracepointFormat {
  category: string;
  event: string;
  fields: TracepointField[];
  source: 'bundled' | 'tracefs';
}

const TRACEFS_DIRS = ['/sys/kernel/tracing/events', '/sys/kernel/debug/tracing/events'];

function toField(row: [string, string, number, number, 0 | 1]): TracepointField {
  return { name: row[0], type: row[1], offset: row[2], size: row[3], signed: row[4] === 1, dataLoc: row[1].startsWith('__data_loc') };
}

const FIELD_RE = /field:(.*?);\s*offset:(\d+);\s*size:(\d+);\s*signed:(\d+);/;

/** Parses the text of a tracefs `format` file into its non-common fields. */
export function parseFormatFile(text: string): TracepointField[] {
  const out: TracepointField[] = [];
  for (const line of text.split('\n')) {
    const m = FIELD_RE.exec(line);
    if (!m) continue;
    const decl = m[1]!.trim();
    const dm = /^(.*?)\s*([A-Za-z_]\w*)\s*(\[[^\]]*\])?$/.exec(decl);
    if (!dm) continue;
    const name = dm[2]!;
    if (name.startsWith('common_')) continue;
    const type = `${dm[1]!.trim()}${dm[3] ?? ''}`;
    out.push({ name, type, offset: Number(m[2]), size: Number(m[3]), signed: m[4] === '1', dataLoc: type.startsWith('__data_loc') });
  }
  return out;
}

let tracefsRoot: string | null | undefined;

/** The readable tracefs events directory, if any (checked once). */
export function tracefsEventsDir(): string | undefined {
  if (tracefsRoot === undefined) {
    tracefsRoot = null;
    for (const d of TRACEFS_DIRS) {
      try {
        if (existsSync(d) && readdirSync(d).length > 0) {
          tracefsRoot = d;
          break;
        }
      } catch {
        // not readable: try the next
      }
    }
  }
  return tracefsRoot ?? undefined;
}

const liveCache = new Map<string, TracepointFormat | null>();

export interface TracepointLookup {
  /** Read live formats from tracefs when readable (default true). */
  useTracefs?: boolean;
}

/** The format of `category:event`: live from tracefs when possible, else from the bundled catalog. */
export function tracepointFormat(category: string, event: string, opts: TracepointLookup = {}): TracepointFormat | undefined {
  const key = `${category}:${event}`;
  if (opts.useTracefs !== false) {
    const dir = tracefsEventsDir();
    if (dir) {
      let hit = liveCache.get(key);
      if (hit === undefined) {
        hit = null;
        try {
          const text = readFileSync(`${dir}/${category}/${event}/format`, 'utf8');
          hit = { category, event, fields: parseFormatFile(text), source: 'tracefs' };
        } catch {
          // absent here; fall back to the catalog
        }
        liveCache.set(key, hit);
      }
      if (hit) return hit;
    }
  }
  const rows = TRACEPOINT_DATA[key];
  if (!rows) return undefined;
  return { category, event, fields: rows.map(toField), source: 'bundled' };
}

/** `category:event` names in the bundled catalog. */
export function bundledTracepoints(): string[] {
  return Object.keys(TRACEPOINT_DATA);
}

let liveList: string[] | undefined;

/** All known tracepoint names: tracefs (when readable) plus the bundled catalog. */
export function knownTracepoints(opts: TracepointLookup = {}): string[] {
  const names = new Set(bundledTracepoints());
  if (opts.useTracefs !== false) {
    const dir = tracefsEventsDir();
    if (dir && !liveList) {
      liveList = [];
      try {
        for (const cat of readdirSync(dir, { withFileTypes: true })) {
          if (!cat.isDirectory()) continue;
          for (const ev of readdirSync(`${dir}/${cat.name}`, { withFileTypes: true })) {
            if (ev.isDirectory()) liveList.push(`${cat.name}:${ev.name}`);
          }
        }
      } catch {
        // partial listing is still useful
      }
    }
    for (const n of liveList ?? []) names.add(n);
  }
  return [...names].sort();
}

/** Whether tracepoint names beyond the bundled catalog are visible (so "unknown tracepoint" can be said). */
export function tracepointListIsComplete(opts: TracepointLookup = {}): boolean {
  return opts.useTracefs !== false && tracefsEventsDir() !== undefined;
}

/** Glob match with `*` and `?`, as bpftrace matches wildcard attach points. */
export function globMatch(pattern: string, name: string): boolean {
  return globRegExp(pattern).test(name);
}

/** The RegExp for a glob, compiled once per pattern when matched against many names. */
export function globRegExp(pattern: string): RegExp {
  return new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
}
