// Loading a Program that uses maps: create one kernel map per MapSpec, write the fds into the
// lddw instructions its relocations point at (as libbpf does), load, and close the map fds.
import type { Insn, MapSpec, Program, Reloc } from '../core/types';
import { closeFd, KernelError, mapCreate, mapUpdate, progLoad, type ProgLoadOptions, type ProgLoadResult } from './bpf';
import { BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE } from './constants';
import { encodeProgram } from '../isa/codec';

const LDDW = 0x18;

/**
 * Pure: returns a copy of `insns` with every 'map' / 'map_value' relocation's lddw rewritten to
 * src=BPF_PSEUDO_MAP_FD (imm = fd) or src=BPF_PSEUDO_MAP_VALUE (imm = fd, next imm = offset into
 * the value, taken from the lddw's original immediate). Errors name the slot and the symbol.
 */
export function patchMapFds(
  insns: readonly Insn[],
  relocs: readonly Reloc[],
  fds: ReadonlyMap<string, number>,
): { insns: Insn[]; errors: string[] } {
  const out = insns.map((i) => ({ ...i }));
  const errors: string[] = [];
  for (const r of relocs) {
    if (r.kind !== 'map' && r.kind !== 'map_value') continue;
    const insn = out[r.insn];
    if (!insn || insn.opcode !== LDDW || r.insn + 1 >= out.length) {
      errors.push(`relocation for map '${r.symbol}' at insn ${r.insn} is not on a 64-bit immediate load (lddw)`);
      continue;
    }
    const fd = fds.get(r.symbol);
    if (fd === undefined) {
      errors.push(`insn ${r.insn} refers to map '${r.symbol}', which the program does not declare`);
      continue;
    }
    // Programs carry a global-data load's offset in the second half (BPF_PSEUDO_MAP_VALUE's layout).
    const offset = r.kind === 'map_value' ? out[r.insn + 1].imm : 0;
    insn.src = r.kind === 'map' ? BPF_PSEUDO_MAP_FD : BPF_PSEUDO_MAP_VALUE;
    insn.imm = fd;
    insn.imm64 = BigInt.asUintN(64, (BigInt(offset) << 32n) | BigInt(fd >>> 0));
    out[r.insn + 1] = { ...out[r.insn + 1], imm: offset, filler: true };
  }
  return { insns: out, errors };
}

function createMap(spec: MapSpec): number {
  const fd = mapCreate({
    type: spec.type,
    keySize: spec.keySize,
    valueSize: spec.valueSize,
    maxEntries: spec.maxEntries,
    flags: spec.flags,
    name: spec.name,
  });
  if (spec.initialValue) {
    try {
      const value = new Uint8Array(spec.valueSize);
      value.set(spec.initialValue.subarray(0, spec.valueSize));
      mapUpdate(fd, new Uint8Array(spec.keySize), value);
    } catch (e) {
      closeFd(fd);
      throw e;
    }
  }
  return fd;
}

/**
 * Creates the program's maps, hands `fn` the patched instruction bytes and the fds by map name,
 * and closes every map fd afterwards (a loaded program keeps its own references to the maps).
 * Throws KernelError when a map cannot be created and Error when a relocation cannot be resolved.
 */
export function withProgramMaps<T>(program: Program, fn: (insns: Uint8Array, mapFds: ReadonlyMap<string, number>) => T): T {
  const fds = new Map<string, number>();
  try {
    for (const spec of program.maps) fds.set(spec.name, createMap(spec));
    const patched = patchMapFds(program.insns, program.relocs, fds);
    if (patched.errors.length > 0) throw new Error(patched.errors.join('\n'));
    return fn(encodeProgram(patched.insns), fds);
  } finally {
    for (const fd of fds.values()) closeFd(fd);
  }
}

/** Loads a whole Program (maps included) into the kernel verifier. Never throws. */
export function loadProgram(
  program: Program,
  options: Omit<ProgLoadOptions, 'insns' | 'progType'> = {},
): ProgLoadResult {
  try {
    return withProgramMaps(program, (insns) =>
      progLoad({ license: program.license, name: program.name, ...options, insns, progType: program.type }),
    );
  } catch (e) {
    if (e instanceof KernelError) return { errno: e.errno, log: e.message };
    return { errno: 22, log: e instanceof Error ? e.message : String(e) };
  }
}
