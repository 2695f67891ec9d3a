// The bpf_conformance runner's plugin interface: the runner starts the plugin with the input
// memory as hex in its first argument (two hex digits and two spaces per byte; possibly empty) and
// its options after it, writes the program as the same hex to stdin (or an ELF object, with
// --elf), and reads r0 in hex from stdout. r1 = the memory, r2 = its length; helper 5 is the
// suite's "unwind". A failure prints the error and exits non-zero.
import type { Program } from '../core/types';
import { decodeProgram } from '../isa/codec';
import { readBpfObject } from '../elf/index';
import { runProgram } from './index';

export interface PluginResult {
  stdout: string;
  exitCode: number;
}

function hexBytes(text: string, what: string): Uint8Array {
  const tokens = text.trim().split(/\s+/).filter(Boolean);
  const out = new Uint8Array(tokens.length);
  tokens.forEach((t, i) => {
    if (!/^[0-9a-fA-F]{1,2}$/.test(t)) throw new Error(`${what}: "${t.slice(0, 20)}" is not a hex byte`);
    out[i] = parseInt(t, 16);
  });
  return out;
}

function fromElf(bytes: Uint8Array): Program {
  const obj = readBpfObject(bytes, '<stdin>');
  const errors = obj.findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) throw new Error(errors[0].message);
  const p = obj.programs[0];
  if (!p) throw new Error('the ELF object holds no program');
  return p;
}

export function conformancePlugin(argv: string[], stdin: string): PluginResult {
  try {
    // Options may come as separate words or as one string ("--elf --jit"); the memory is the first non-option.
    const words = argv.flatMap((a) => (a.trim().startsWith('--') ? a.trim().split(/\s+/) : [a]));
    const elf = words.includes('--elf');
    const memArg = words.find((w) => !w.startsWith('--'));
    const mem = memArg !== undefined ? hexBytes(memArg, 'memory') : new Uint8Array(0);
    const code = hexBytes(stdin, 'program');
    let program: Program;
    if (elf) {
      program = fromElf(code);
    } else {
      if (code.length === 0 || code.length % 8 !== 0) throw new Error(`the program must be a non-empty multiple of 8 bytes, got ${code.length}`);
      program = { name: 'conformance', section: '.text', type: 'socket_filter', insns: decodeProgram(code), maps: [], relocs: [], symbols: [] };
    }
    const r = runProgram(program, { mem, conformance: true });
    if (r.error) return { stdout: `${r.error}\n`, exitCode: 1 };
    if (!r.ok || r.r0 === undefined) return { stdout: `${r.fault?.message ?? 'the program did not finish'}\n`, exitCode: 1 };
    return { stdout: `0x${BigInt(r.r0).toString(16)}\n`, exitCode: 0 };
  } catch (e) {
    return { stdout: `${e instanceof Error ? e.message : String(e)}\n`, exitCode: 2 };
  }
}
