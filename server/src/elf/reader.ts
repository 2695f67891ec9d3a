// readBpfObject: a BPF ELF object (clang -target bpf, bpftrace --emit-elf) → Programs and maps.
// Never throws: every format problem becomes a Finding, and a fatal one ends the read early.
import { zeroRange, type Finding, type MapSpec, type Program, type Severity } from '../core/types';
import { parseBtf, type Btf } from './btf';
import { countCoreRelocations, hasFuncInfo } from './btfExt';
import { ElfError, cstring } from './bytes';
import { readElf, sectionBytes, SHF_EXECINSTR, SHT, type ElfFile, type SectionHeader } from './headers';
import { buildCodeSections, entriesOf, linkProgram, type LinkContext } from './link';
import { collectMaps } from './maps';
import { sectionKind } from '../core/sections';
import { decodeProgram } from '../isa/codec';
import { readRelocations, readSymbols } from './symbols';

export interface BpfObject {
  programs: Program[];
  /** Every map the object declares, global data maps included. */
  maps: MapSpec[];
  license?: string;
  findings: Finding[];
}

function finding(severity: Severity, code: string, message: string): Finding {
  return { range: zeroRange, severity, code, message };
}

function readLicense(elf: ElfFile): string | undefined {
  const sec = elf.sections.find((s) => s.name === 'license');
  return sec ? cstring(sectionBytes(elf, sec), 0) : undefined;
}

function readBtfSection(elf: ElfFile, findings: Finding[]): Btf | undefined {
  const sec = elf.sections.find((s) => s.name === '.BTF');
  if (!sec) return undefined;
  try {
    return parseBtf(sectionBytes(elf, sec));
  } catch (e) {
    if (!(e instanceof ElfError)) throw e;
    findings.push(finding('warning', e.code, `${e.message}; BTF-defined maps cannot be read`));
    return undefined;
  }
}

function warnAboutCoRe(elf: ElfFile, findings: Finding[]): void {
  const sec = elf.sections.find((s) => s.name === '.BTF.ext');
  if (!sec) return;
  try {
    const n = countCoreRelocations(sectionBytes(elf, sec));
    if (n > 0) {
      findings.push(
        finding('warning', 'elf.core-relocations', `${n} CO-RE relocation(s) (preserve_access_index, BPF_CORE_READ) are not applied: field offsets stay as compiled`),
      );
    }
  } catch (e) {
    if (!(e instanceof ElfError)) throw e;
    findings.push(finding('warning', e.code, `${e.message}; CO-RE relocations could not be counted`));
  }
}

/**
 * Whether a loader like libbpf gives the kernel BTF func_info with this object's programs: the
 * object has .BTF and function info in .BTF.ext (clang -g emits both for every function).
 */
function readFuncInfo(elf: ElfFile, btf: Btf | undefined, findings: Finding[]): boolean {
  const sec = elf.sections.find((s) => s.name === '.BTF.ext');
  if (!sec || !btf) return false;
  try {
    return hasFuncInfo(sectionBytes(elf, sec));
  } catch (e) {
    if (!(e instanceof ElfError)) throw e;
    findings.push(finding('warning', e.code, `${e.message}; BTF function info could not be read, so callbacks are not allowed`));
    return false;
  }
}

function isProgramCode(s: SectionHeader): boolean {
  return s.type === SHT.PROGBITS && (s.flags & SHF_EXECINSTR) !== 0 && s.size > 0;
}

function readObject(bytes: Uint8Array, file: string | undefined, findings: Finding[]): BpfObject {
  const elf = readElf(bytes);
  if (elf.notRelocatable) {
    findings.push(finding('warning', 'elf.not-relocatable', `e_type ${elf.eType} is not a relocatable object (ET_REL, 1); reading it anyway`));
  }
  const symbols = readSymbols(elf);
  const rel = readRelocations(elf, symbols.length);
  for (const p of rel.problems) findings.push(finding('warning', 'elf.bad-relocation', p));
  const btf = readBtfSection(elf, findings);
  warnAboutCoRe(elf, findings);
  const funcInfo = readFuncInfo(elf, btf, findings);
  const maps = collectMaps(elf, symbols, btf);
  for (const p of maps.problems) findings.push(finding('warning', 'elf.map', p));
  const license = readLicense(elf);

  const exec = elf.sections.filter(isProgramCode);
  const decoded = new Map<number, ReturnType<typeof decodeProgram>>();
  for (const s of exec) {
    if (s.size % 8 !== 0) {
      findings.push(finding('warning', 'elf.partial-insn', `section ${s.name} is ${s.size} bytes, not a whole number of 8-byte instructions; the tail is ignored`));
    }
    decoded.set(s.index, decodeProgram(sectionBytes(elf, s)));
  }
  const code = buildCodeSections(exec, decoded, symbols, rel.byTarget);
  const ctx: LinkContext = { elf, symbols, code, maps: maps.maps, license, file };

  const programs: Program[] = [];
  for (const c of code.values()) {
    if (c.sec.name === '.text') continue;
    const kind = sectionKind(c.sec.name);
    if (!kind.known) {
      findings.push(finding('warning', 'elf.unknown-section', `section '${c.sec.name}' does not name a known program type; treating it as socket_filter`));
    }
    const entries = entriesOf(c);
    for (const entry of entries) {
      // One entry keeps the section's name (SEC("kprobe/x") → "kprobe/x"); several are told apart by function.
      const name = entries.length === 1 ? c.sec.name : entry.name;
      const linked = linkProgram(ctx, entry, name);
      for (const p of linked.problems) findings.push(finding('warning', 'elf.link', p));
      if (funcInfo) linked.program.funcInfo = true;
      programs.push(linked.program);
    }
  }
  if (programs.length === 0) findings.push(finding('warning', 'elf.no-programs', 'the object has no program sections (executable sections other than .text)'));
  const result: BpfObject = { programs, maps: maps.maps.map((m) => m.spec), findings };
  if (license !== undefined) result.license = license;
  return result;
}

/** Reads a BPF object file. Problems come back as findings; a fatal one leaves programs empty. */
export function readBpfObject(bytes: Uint8Array, file?: string): BpfObject {
  const findings: Finding[] = [];
  try {
    return readObject(bytes, file, findings);
  } catch (e) {
    if (e instanceof ElfError) findings.push(finding('error', e.code, e.message));
    else findings.push(finding('error', 'elf.internal', `could not read the object file: ${e instanceof Error ? e.message : String(e)}`));
    return { programs: [], maps: [], findings };
  }
}
