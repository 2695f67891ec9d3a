// Object-like #define constants from the headers a script includes (AF_INET from <sys/socket.h>),
// found by reading the headers under /usr/include — no C preprocessor, just `#define NAME VALUE`
// lines and nested #includes, bounded in depth and file count.
import { readFileSync } from 'node:fs';

export const INCLUDE_DIRS = ['/usr/local/include', '/usr/include/x86_64-linux-gnu', '/usr/include/aarch64-linux-gnu', '/usr/include'];

const MAX_FILES = 300;
const MAX_DEPTH = 8;

export interface HeaderScan {
  /** NAME → replacement text, as written. */
  defines: Map<string, string>;
  /** Headers found and read. */
  found: string[];
  /** Headers named by the script that are not installed here. */
  missing: string[];
}

const fileCache = new Map<string, string | null>();

function readHeader(path: string): string | undefined {
  let hit = fileCache.get(path);
  if (hit === undefined) {
    try {
      hit = readFileSync(path, 'utf8');
    } catch {
      hit = null;
    }
    fileCache.set(path, hit);
  }
  return hit ?? undefined;
}

function locate(name: string, dirs: string[]): string | undefined {
  for (const d of dirs) {
    const p = `${d}/${name}`;
    if (readHeader(p) !== undefined) return p;
  }
  return undefined;
}

/** Scans the headers `includes` name (as written in #include <...>) and everything they include. */
export function scanHeaders(includes: string[], dirs: string[] = INCLUDE_DIRS): HeaderScan {
  const defines = new Map<string, string>();
  const found: string[] = [];
  const missing: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string, depth: number, top: boolean): void => {
    if (seen.size >= MAX_FILES || depth > MAX_DEPTH) return;
    const path = locate(name, dirs);
    if (!path) {
      if (top) missing.push(name);
      return;
    }
    if (seen.has(path)) return;
    seen.add(path);
    found.push(path);
    const text = readHeader(path)!.replace(/\\\r?\n/g, ' ');
    for (const line of text.split('\n')) {
      const inc = /^\s*#\s*include\s*[<"]([^>"]+)[>"]/.exec(line);
      if (inc) {
        visit(inc[1]!, depth + 1, false);
        continue;
      }
      const def = /^\s*#\s*define\s+([A-Za-z_]\w*)(?!\()\s+(.*?)\s*(?:\/\*.*)?(?:\/\/.*)?$/.exec(line);
      if (def && !defines.has(def[1]!)) defines.set(def[1]!, def[2]!);
    }
  };
  for (const inc of includes) visit(inc, 0, true);
  return { defines, found, missing };
}

/**
 * The integer value of a #define, following names through other defines (AF_INET → PF_INET → 2),
 * with simple arithmetic and casts stripped. Undefined when it is not a constant integer.
 */
export function defineValue(name: string, lookup: (n: string) => string | undefined, depth = 0): bigint | undefined {
  if (depth > 16) return undefined;
  const raw = lookup(name);
  if (raw === undefined) return undefined;
  let text = raw.trim().replace(/\b[0-9]+[uUlL]+\b/g, (m) => m.replace(/[uUlL]+$/, ''));
  text = text.replace(/\(\s*(?:unsigned|signed|int|long|short|char|__u\d+|__s\d+|u\d+|s\d+|\s)+\)/g, '');
  text = text.replace(/\b0[xX][0-9a-fA-F]+\b|\b\d+\b|[A-Za-z_]\w*/g, (w) => {
    if (/^[0-9]/.test(w)) return w;
    const v = defineValue(w, lookup, depth + 1);
    return v === undefined ? 'NaN' : `(${v})`;
  });
  if (!/^[\s0-9xXa-fA-F()+\-*/%<>|&~^]*$/.test(text) || text.includes('NaN') || !text.trim()) return undefined;
  try {
    const n = Function(`"use strict"; return (${text.replace(/\b(0[xX][0-9a-fA-F]+|\d+)\b/g, '$1n')});`)() as unknown;
    return typeof n === 'bigint' ? n : undefined;
  } catch {
    return undefined;
  }
}
