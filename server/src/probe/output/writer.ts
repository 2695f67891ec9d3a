// bpftrace's two output modes, as writers the runner feeds in order: the "Attaching N probes..."
// line, printf/time/print lines as they happen, and the maps at the end (after two newlines,
// which bpftrace 0.17 prints in both modes).
import type { MapPlan } from '../compile/maps';
import { formatMapJson, formatMapText, type PrintOptions, type RawEntry } from './maps';
import { jsonEscape, valueJson, valueText, type Resolver, type Value } from './values';

export type OutputFormat = 'text' | 'json';

export interface OutputWriter {
  attached(probes: number): void;
  printf(text: string): void;
  time(text: string): void;
  /** join()'s line. */
  join(text: string): void;
  value(v: Value): void;
  map(plan: MapPlan, entries: RawEntry[], opts?: PrintOptions): void;
  /** Before the maps printed at exit. */
  exitBanner(): void;
  text(): string;
}

abstract class Base {
  protected out = '';
  constructor(protected readonly resolver: Resolver) {}
  exitBanner(): void {
    this.out += '\n\n';
  }
  text(): string {
    return this.out;
  }
}

class TextWriter extends Base implements OutputWriter {
  attached(n: number): void {
    this.out += `Attaching ${n} probe${n === 1 ? '' : 's'}...\n`;
  }
  printf(text: string): void {
    this.out += text;
  }
  time(text: string): void {
    this.out += text;
  }
  join(text: string): void {
    this.out += `${text}\n`;
  }
  value(v: Value): void {
    this.out += `${valueText(v)}\n`;
  }
  map(plan: MapPlan, entries: RawEntry[], opts?: PrintOptions): void {
    this.out += formatMapText(plan, entries, this.resolver, opts);
  }
}

class JsonWriter extends Base implements OutputWriter {
  attached(n: number): void {
    this.out += `{"type": "attached_probes", "data": {"probes": ${n}}}\n`;
  }
  printf(text: string): void {
    this.out += `{"type": "printf", "data": "${jsonEscape(text)}"}\n`;
  }
  time(text: string): void {
    this.out += `{"type": "time", "data": "${jsonEscape(text)}"}\n`;
  }
  join(text: string): void {
    this.out += `{"type": "join", "data": "${jsonEscape(text)}"}\n`;
  }
  value(v: Value): void {
    this.out += `{"type": "value", "data": ${valueJson(v)}}\n`;
  }
  map(plan: MapPlan, entries: RawEntry[], opts?: PrintOptions): void {
    this.out += formatMapJson(plan, entries, this.resolver, opts);
  }
}

export function createWriter(format: OutputFormat, resolver: Resolver): OutputWriter {
  return format === 'json' ? new JsonWriter(resolver) : new TextWriter(resolver);
}
