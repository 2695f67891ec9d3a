// The instruction set (RFC 9669 + the Linux extensions LLVM 19 emits), as one table.
// The assembler, disassembler, verifier and VM all read `FORMS`; no other opcode list exists.

export const CLASS = { LD: 0, LDX: 1, ST: 2, STX: 3, ALU: 4, JMP: 5, JMP32: 6, ALU64: 7 } as const;
export const SRC_K = 0x00;
export const SRC_X = 0x08;
export const MODE = { IMM: 0x00, ABS: 0x20, IND: 0x40, MEM: 0x60, MEMSX: 0x80, ATOMIC: 0xc0 } as const;

/** Pseudo source-register values of the 64-bit immediate load and of calls (kernel uapi). */
export const PSEUDO = {
  MAP_FD: 1,
  MAP_VALUE: 2,
  BTF_ID: 3,
  FUNC: 4,
  MAP_IDX: 5,
  MAP_IDX_VALUE: 6,
  CALL: 1,
  KFUNC_CALL: 2,
} as const;

export interface MemSize {
  code: number;
  bytes: 1 | 2 | 4 | 8;
  /** Mnemonic suffix: b, h, w, dw. */
  suffix: string;
  bits: 8 | 16 | 32 | 64;
}

export const SIZES: readonly MemSize[] = [
  { code: 0x10, bytes: 1, suffix: 'b', bits: 8 },
  { code: 0x08, bytes: 2, suffix: 'h', bits: 16 },
  { code: 0x00, bytes: 4, suffix: 'w', bits: 32 },
  { code: 0x18, bytes: 8, suffix: 'dw', bits: 64 },
];

export type AluOpName =
  | 'add' | 'sub' | 'mul' | 'div' | 'sdiv' | 'or' | 'and' | 'lsh' | 'rsh'
  | 'mod' | 'smod' | 'xor' | 'mov' | 'arsh';

export interface AluOp {
  name: AluOpName;
  code: number;
  /** The `off` field value that selects this op (signed division and modulo use 1). */
  off: number;
  /** LLVM's compound-assignment operator. */
  llvm: string;
}

export const ALU_OPS: readonly AluOp[] = [
  { name: 'add', code: 0x00, off: 0, llvm: '+=' },
  { name: 'sub', code: 0x10, off: 0, llvm: '-=' },
  { name: 'mul', code: 0x20, off: 0, llvm: '*=' },
  { name: 'div', code: 0x30, off: 0, llvm: '/=' },
  { name: 'sdiv', code: 0x30, off: 1, llvm: 's/=' },
  { name: 'or', code: 0x40, off: 0, llvm: '|=' },
  { name: 'and', code: 0x50, off: 0, llvm: '&=' },
  { name: 'lsh', code: 0x60, off: 0, llvm: '<<=' },
  { name: 'rsh', code: 0x70, off: 0, llvm: '>>=' },
  { name: 'mod', code: 0x90, off: 0, llvm: '%=' },
  { name: 'smod', code: 0x90, off: 1, llvm: 's%=' },
  { name: 'xor', code: 0xa0, off: 0, llvm: '^=' },
  { name: 'mov', code: 0xb0, off: 0, llvm: '=' },
  { name: 'arsh', code: 0xc0, off: 0, llvm: 's>>=' },
];
export const ALU_NEG = 0x80;
export const ALU_END = 0xd0;

export type JmpCondName =
  | 'jeq' | 'jgt' | 'jge' | 'jset' | 'jne' | 'jsgt' | 'jsge' | 'jlt' | 'jle' | 'jslt' | 'jsle';

export interface JmpCond {
  name: JmpCondName;
  code: number;
  llvm: string;
}

export const JMP_CONDS: readonly JmpCond[] = [
  { name: 'jeq', code: 0x10, llvm: '==' },
  { name: 'jgt', code: 0x20, llvm: '>' },
  { name: 'jge', code: 0x30, llvm: '>=' },
  { name: 'jset', code: 0x40, llvm: '&' },
  { name: 'jne', code: 0x50, llvm: '!=' },
  { name: 'jsgt', code: 0x60, llvm: 's>' },
  { name: 'jsge', code: 0x70, llvm: 's>=' },
  { name: 'jlt', code: 0xa0, llvm: '<' },
  { name: 'jle', code: 0xb0, llvm: '<=' },
  { name: 'jslt', code: 0xc0, llvm: 's<' },
  { name: 'jsle', code: 0xd0, llvm: 's<=' },
];
export const JMP = { JA: 0x00, CALL: 0x80, EXIT: 0x90, JCOND: 0xe0 } as const;

export type AtomicOpName = 'add' | 'or' | 'and' | 'xor' | 'xchg' | 'cmpxchg';

export interface AtomicOp {
  name: AtomicOpName;
  /** The imm field value, BPF_FETCH (0x01) included. */
  imm: number;
  fetch: boolean;
  /** LLVM's compound operator for the non-fetching form. */
  llvm?: string;
}

export const ATOMIC_FETCH = 0x01;
export const ATOMIC_OPS: readonly AtomicOp[] = [
  { name: 'add', imm: 0x00, fetch: false, llvm: '+=' },
  { name: 'or', imm: 0x40, fetch: false, llvm: '|=' },
  { name: 'and', imm: 0x50, fetch: false, llvm: '&=' },
  { name: 'xor', imm: 0xa0, fetch: false, llvm: '^=' },
  { name: 'add', imm: 0x01, fetch: true },
  { name: 'or', imm: 0x41, fetch: true },
  { name: 'and', imm: 0x51, fetch: true },
  { name: 'xor', imm: 0xa1, fetch: true },
  { name: 'xchg', imm: 0xe1, fetch: true },
  { name: 'cmpxchg', imm: 0xf1, fetch: true },
];

export type FormKind =
  | 'alu' // dst op= src|imm
  | 'neg'
  | 'movsx' // dst = (sN) src
  | 'addr_space_cast'
  | 'endian' // le/be conversion (ALU class)
  | 'bswap' // unconditional byte swap (ALU64 class)
  | 'ldx'
  | 'ldxsx'
  | 'st'
  | 'stx'
  | 'atomic'
  | 'lddw'
  | 'ldabs'
  | 'ldind'
  | 'jcond'
  | 'ja'
  | 'gotol'
  | 'may_goto'
  | 'call' // helper by id
  | 'call_local' // bpf-to-bpf, imm relative
  | 'kfunc'
  | 'callx'
  | 'exit';

/** Which fields a form takes from its operands. Fields neither used nor fixed must be zero. */
export interface FieldUse {
  dst: boolean;
  src: boolean;
  off: boolean;
  imm: boolean;
}

export interface InsnForm {
  /** Unique id and ubpf/conformance mnemonic, e.g. `add32`, `ldxdw`, `lock fetch add32`. */
  mnemonic: string;
  opcode: number;
  kind: FormKind;
  /** Operation width for ALU and jumps; access width for memory forms. */
  width: 32 | 64;
  /** Register or immediate operand (ALU and conditional jumps). */
  source: 'imm' | 'reg' | 'none';
  /** Field values that select this form among others sharing its opcode. */
  fixed: { src?: number; off?: number; imm?: number };
  uses: FieldUse;
  alu?: AluOp;
  cond?: JmpCond;
  size?: MemSize;
  atomic?: AtomicOp;
  /** For movsx and ldxsx: bits of the sign-extended source. */
  signBits?: 8 | 16 | 32;
  /** For endian and bswap: bits swapped. */
  swapBits?: 16 | 32 | 64;
  /** For endian: the target byte order. */
  order?: 'le' | 'be';
  /** Instruction slots it occupies. */
  slots: 1 | 2;
  /** One-line description for hovers. */
  doc: string;
  /** Minimum ISA version (cpu=v1..v4) that introduced the form. */
  isaVersion: 1 | 2 | 3 | 4;
}

const use = (dst: boolean, src: boolean, off: boolean, imm: boolean): FieldUse => ({ dst, src, off, imm });

function aluForms(): InsnForm[] {
  const out: InsnForm[] = [];
  for (const width of [64, 32] as const) {
    const cls = width === 64 ? CLASS.ALU64 : CLASS.ALU;
    const sfx = width === 64 ? '' : '32';
    for (const op of ALU_OPS) {
      for (const source of ['imm', 'reg'] as const) {
        const signed = op.off === 1;
        out.push({
          mnemonic: op.name + sfx,
          opcode: cls | op.code | (source === 'reg' ? SRC_X : SRC_K),
          kind: 'alu',
          width,
          source,
          fixed: { off: op.off },
          uses: use(true, source === 'reg', false, source === 'imm'),
          alu: op,
          slots: 1,
          doc: `${width}-bit ${aluDoc[op.name]}`,
          isaVersion: signed ? 4 : 1,
        });
      }
    }
    out.push({
      mnemonic: 'neg' + sfx,
      opcode: cls | ALU_NEG,
      kind: 'neg',
      width,
      source: 'none',
      fixed: {},
      uses: use(true, false, false, false),
      slots: 1,
      doc: `${width}-bit negation: dst = -dst`,
      isaVersion: width === 32 ? 3 : 1,
    });
    const signBits = width === 64 ? ([8, 16, 32] as const) : ([8, 16] as const);
    for (const bits of signBits) {
      out.push({
        mnemonic: `movsx${bits}${width}`,
        opcode: cls | 0xb0 | SRC_X,
        kind: 'movsx',
        width,
        source: 'reg',
        fixed: { off: bits },
        uses: use(true, true, false, false),
        signBits: bits,
        slots: 1,
        doc: `sign-extend the low ${bits} bits of src into ${width}-bit dst`,
        isaVersion: 4,
      });
    }
  }
  out.push({
    mnemonic: 'addr_space_cast',
    opcode: CLASS.ALU64 | 0xb0 | SRC_X,
    kind: 'addr_space_cast',
    width: 64,
    source: 'reg',
    fixed: { off: 1 },
    uses: use(true, true, false, true),
    slots: 1,
    doc: 'convert a pointer between address spaces (BPF arena): imm = dst_as << 16 | src_as',
    isaVersion: 4,
  });
  for (const bits of [16, 32, 64] as const) {
    for (const order of ['le', 'be'] as const) {
      out.push({
        mnemonic: `${order}${bits}`,
        opcode: CLASS.ALU | ALU_END | (order === 'be' ? SRC_X : SRC_K),
        kind: 'endian',
        width: 64,
        source: 'none',
        fixed: { imm: bits },
        uses: use(true, false, false, false),
        swapBits: bits,
        order,
        slots: 1,
        doc: `convert the low ${bits} bits of dst to ${order === 'le' ? 'little' : 'big'}-endian order, zeroing the rest`,
        isaVersion: 1,
      });
    }
    out.push({
      mnemonic: `bswap${bits}`,
      opcode: CLASS.ALU64 | ALU_END | SRC_K,
      kind: 'bswap',
      width: 64,
      source: 'none',
      fixed: { imm: bits },
      uses: use(true, false, false, false),
      swapBits: bits,
      slots: 1,
      doc: `reverse the byte order of the low ${bits} bits of dst, zeroing the rest`,
      isaVersion: 4,
    });
  }
  return out;
}

const aluDoc: Record<AluOpName, string> = {
  add: 'addition: dst += src',
  sub: 'subtraction: dst -= src',
  mul: 'multiplication: dst *= src',
  div: 'unsigned division: dst /= src (division by zero gives 0)',
  sdiv: 'signed division: dst s/= src (division by zero gives 0)',
  or: 'bitwise or: dst |= src',
  and: 'bitwise and: dst &= src',
  lsh: 'left shift: dst <<= src (amount masked to the width)',
  rsh: 'logical right shift: dst >>= src (amount masked to the width)',
  mod: 'unsigned modulo: dst %= src (modulo by zero leaves dst)',
  smod: 'signed modulo: dst s%= src (modulo by zero leaves dst)',
  xor: 'bitwise xor: dst ^= src',
  mov: 'move: dst = src',
  arsh: 'arithmetic right shift: dst s>>= src (sign-filling)',
};

function memForms(): InsnForm[] {
  const out: InsnForm[] = [];
  for (const size of SIZES) {
    const width = size.bytes === 8 ? 64 : 32;
    out.push({
      mnemonic: `ldx${size.suffix}`,
      opcode: CLASS.LDX | MODE.MEM | size.code,
      kind: 'ldx', width, source: 'reg', fixed: {}, uses: use(true, true, true, false), size, slots: 1,
      doc: `load ${size.bytes} byte(s) from [src + off] into dst, zero-extended`, isaVersion: 1,
    });
    if (size.bytes !== 8) {
      out.push({
        mnemonic: `ldxs${size.suffix}`,
        opcode: CLASS.LDX | MODE.MEMSX | size.code,
        kind: 'ldxsx', width: 64, source: 'reg', fixed: {}, uses: use(true, true, true, false), size,
        signBits: size.bits as 8 | 16 | 32, slots: 1,
        doc: `load ${size.bytes} byte(s) from [src + off] into dst, sign-extended to 64 bits`, isaVersion: 4,
      });
    }
    out.push({
      mnemonic: `st${size.suffix}`,
      opcode: CLASS.ST | MODE.MEM | size.code,
      kind: 'st', width, source: 'imm', fixed: {}, uses: use(true, false, true, true), size, slots: 1,
      doc: `store the immediate's low ${size.bytes} byte(s) at [dst + off]`, isaVersion: 1,
    });
    out.push({
      mnemonic: `stx${size.suffix}`,
      opcode: CLASS.STX | MODE.MEM | size.code,
      kind: 'stx', width, source: 'reg', fixed: {}, uses: use(true, true, true, false), size, slots: 1,
      doc: `store src's low ${size.bytes} byte(s) at [dst + off]`, isaVersion: 1,
    });
    if (size.bytes !== 8) {
      out.push({
        mnemonic: `ldabs${size.suffix}`,
        opcode: CLASS.LD | MODE.ABS | size.code,
        kind: 'ldabs', width: 32, source: 'imm', fixed: {}, uses: use(false, false, false, true), size, slots: 1,
        doc: `legacy packet load: r0 = ntoh(packet[imm], ${size.bytes} byte(s)); clobbers r1-r5`, isaVersion: 1,
      });
      out.push({
        mnemonic: `ldind${size.suffix}`,
        opcode: CLASS.LD | MODE.IND | size.code,
        kind: 'ldind', width: 32, source: 'reg', fixed: {}, uses: use(false, true, false, true), size, slots: 1,
        doc: `legacy packet load: r0 = ntoh(packet[src + imm], ${size.bytes} byte(s)); clobbers r1-r5`, isaVersion: 1,
      });
    }
  }
  for (const size of SIZES.filter((s) => s.bytes >= 4)) {
    const width = size.bytes === 8 ? 64 : 32;
    const sfx = width === 64 ? '' : '32';
    for (const op of ATOMIC_OPS) {
      const name = op.name === 'xchg' || op.name === 'cmpxchg' ? op.name : (op.fetch ? 'fetch ' : '') + op.name;
      out.push({
        mnemonic: `lock ${name}${sfx}`,
        opcode: CLASS.STX | MODE.ATOMIC | size.code,
        kind: 'atomic', width, source: 'reg', fixed: { imm: op.imm }, uses: use(true, true, true, false), size,
        atomic: op, slots: 1, doc: atomicDoc(op, size.bytes), isaVersion: op.name === 'add' && !op.fetch ? 1 : 3,
      });
    }
  }
  const lddwDocs: [number, string, string][] = [
    [0, 'lddw', 'load a 64-bit immediate into dst'],
    [PSEUDO.MAP_FD, 'lddw_map_fd', 'load the address of the map with this fd (BPF_PSEUDO_MAP_FD)'],
    [PSEUDO.MAP_VALUE, 'lddw_map_value', 'load the address of a map value: map fd in imm, offset in the next imm (BPF_PSEUDO_MAP_VALUE)'],
    [PSEUDO.BTF_ID, 'lddw_btf_id', 'load the address of a kernel variable by BTF id (BPF_PSEUDO_BTF_ID)'],
    [PSEUDO.FUNC, 'lddw_func', 'load the address of a subprogram, imm relative (BPF_PSEUDO_FUNC)'],
    [PSEUDO.MAP_IDX, 'lddw_map_idx', 'load the address of the map at this index of fd_array (BPF_PSEUDO_MAP_IDX)'],
    [PSEUDO.MAP_IDX_VALUE, 'lddw_map_idx_value', 'load the address of a map value by fd_array index (BPF_PSEUDO_MAP_IDX_VALUE)'],
  ];
  for (const [src, mnemonic, doc] of lddwDocs) {
    out.push({
      mnemonic, opcode: CLASS.LD | MODE.IMM | 0x18, kind: 'lddw', width: 64, source: 'imm', fixed: { src },
      uses: use(true, false, false, true), size: SIZES[3], slots: 2, doc, isaVersion: 1,
    });
  }
  return out;
}

function atomicDoc(op: AtomicOp, bytes: number): string {
  const at = `the ${bytes}-byte value at [dst + off]`;
  if (op.name === 'xchg') return `atomically exchange ${at} with src; src gets the old value`;
  if (op.name === 'cmpxchg') return `atomically: if ${at} equals r0, store src there; r0 gets the old value`;
  return `atomically ${op.name} src into ${at}${op.fetch ? '; src gets the old value' : ''}`;
}

function jumpForms(): InsnForm[] {
  const out: InsnForm[] = [];
  for (const width of [64, 32] as const) {
    const cls = width === 64 ? CLASS.JMP : CLASS.JMP32;
    const sfx = width === 64 ? '' : '32';
    for (const cond of JMP_CONDS) {
      for (const source of ['imm', 'reg'] as const) {
        out.push({
          mnemonic: cond.name + sfx,
          opcode: cls | cond.code | (source === 'reg' ? SRC_X : SRC_K),
          kind: 'jcond', width, source, fixed: {}, uses: use(true, source === 'reg', true, source === 'imm'),
          cond, slots: 1,
          doc: `jump by off if ${width === 32 ? 'the low 32 bits of ' : ''}dst ${cond.llvm} ${source === 'reg' ? 'src' : 'imm'}`,
          isaVersion: width === 32 ? 3 : cond.name === 'jlt' || cond.name === 'jle' || cond.name === 'jslt' || cond.name === 'jsle' ? 2 : 1,
        });
      }
    }
  }
  out.push(
    { mnemonic: 'ja', opcode: CLASS.JMP | JMP.JA, kind: 'ja', width: 64, source: 'none', fixed: {}, uses: use(false, false, true, false), slots: 1, doc: 'jump by off (16-bit)', isaVersion: 1 },
    { mnemonic: 'ja32', opcode: CLASS.JMP32 | JMP.JA, kind: 'gotol', width: 32, source: 'none', fixed: {}, uses: use(false, false, false, true), slots: 1, doc: 'long jump by imm (32-bit offset)', isaVersion: 4 },
    { mnemonic: 'may_goto', opcode: CLASS.JMP | JMP.JCOND, kind: 'may_goto', width: 64, source: 'none', fixed: {}, uses: use(false, false, true, false), slots: 1, doc: 'jump by off once the loop budget the kernel grants runs out (bounded loops)', isaVersion: 4 },
    { mnemonic: 'call', opcode: CLASS.JMP | JMP.CALL, kind: 'call', width: 64, source: 'imm', fixed: { src: 0 }, uses: use(false, false, false, true), slots: 1, doc: 'call the helper function with id imm; r1-r5 are arguments, r0 the result', isaVersion: 1 },
    { mnemonic: 'call local', opcode: CLASS.JMP | JMP.CALL, kind: 'call_local', width: 64, source: 'imm', fixed: { src: PSEUDO.CALL }, uses: use(false, false, false, true), slots: 1, doc: 'call the bpf-to-bpf subprogram at pc + imm + 1; r6-r9 are preserved', isaVersion: 1 },
    { mnemonic: 'call kfunc', opcode: CLASS.JMP | JMP.CALL, kind: 'kfunc', width: 64, source: 'imm', fixed: { src: PSEUDO.KFUNC_CALL }, uses: use(false, false, false, true), slots: 1, doc: 'call the kernel function with BTF id imm', isaVersion: 1 },
    { mnemonic: 'callx', opcode: CLASS.JMP | JMP.CALL | SRC_X, kind: 'callx', width: 64, source: 'reg', fixed: {}, uses: use(true, false, false, false), slots: 1, doc: 'call the helper whose id is in register dst', isaVersion: 4 },
    { mnemonic: 'exit', opcode: CLASS.JMP | JMP.EXIT, kind: 'exit', width: 64, source: 'none', fixed: {}, uses: use(false, false, false, false), slots: 1, doc: 'return r0 to the caller (or end the program)', isaVersion: 1 },
  );
  return out;
}

/** Every instruction form. */
export const FORMS: readonly InsnForm[] = [...aluForms(), ...memForms(), ...jumpForms()];

/** Forms indexed by opcode byte; several forms may share an opcode and differ in a fixed field. */
export const FORMS_BY_OPCODE: readonly (readonly InsnForm[])[] = (() => {
  const table: InsnForm[][] = Array.from({ length: 256 }, () => []);
  for (const f of FORMS) table[f.opcode].push(f);
  return table;
})();

export const FORMS_BY_MNEMONIC: ReadonlyMap<string, readonly InsnForm[]> = (() => {
  const m = new Map<string, InsnForm[]>();
  for (const f of FORMS) {
    const list = m.get(f.mnemonic) ?? [];
    list.push(f);
    m.set(f.mnemonic, list);
  }
  return m;
})();

export function opClass(opcode: number): number {
  return opcode & 0x07;
}
