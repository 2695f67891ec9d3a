// Kernel types from BTF as C text, for hover and completion details. Reads the machine's BTF
// when it is readable; every function returns undefined otherwise.
import { loadBtf, type Btf } from '../probe/btf';

const MAX_DEPTH = 16;

/** C spelling of a BTF type id: "struct file *", "unsigned long", "char[16]". */
export function btfTypeText(btf: Btf, id: number, depth = 0): string {
  if (id === 0) return 'void';
  const t = btf.type(id);
  if (!t || depth > MAX_DEPTH) return '?';
  switch (t.kind) {
    case 'ptr':
      return `${btfTypeText(btf, t.ref, depth + 1)} *`;
    case 'const':
      return `const ${btfTypeText(btf, t.ref, depth + 1)}`;
    case 'volatile':
      return `volatile ${btfTypeText(btf, t.ref, depth + 1)}`;
    case 'restrict':
    case 'type_tag':
      return btfTypeText(btf, t.ref, depth + 1);
    case 'struct':
    case 'union':
    case 'enum':
    case 'enum64':
      return `${t.kind === 'enum64' ? 'enum' : t.kind} ${t.name || '(anon)'}`;
    case 'array':
      return `${btfTypeText(btf, t.elem ?? 0, depth + 1)}[${t.length ?? 0}]`;
    case 'func_proto':
      return 'function';
    default:
      return t.name || t.kind;
  }
}

/** `ssize_t vfs_read(struct file *file, char *buf, size_t count, loff_t *pos)` from BTF. */
export function btfFunctionSignature(name: string, btf: Btf | undefined = loadBtf()): string | undefined {
  const proto = btf?.funcProto(name);
  if (!btf || !proto) return undefined;
  const params = proto.params.map((p) => `${btfTypeText(btf, p.type)}${p.name ? ' ' + p.name : ''}`).join(', ');
  return `${btfTypeText(btf, proto.ret)} ${name}(${params || 'void'})`;
}

/** Parameters of a kernel function (fentry/fexit `args`), from BTF. */
export function btfFunctionParams(name: string, btf: Btf | undefined = loadBtf()): { name: string; type: string }[] | undefined {
  const proto = btf?.funcProto(name);
  if (!btf || !proto) return undefined;
  return proto.params.filter((p) => p.name).map((p) => ({ name: p.name, type: btfTypeText(btf, p.type) }));
}

export interface FieldInfo {
  name: string;
  type: string;
  /** When the field is (a pointer to) a struct or union: its name, to follow `a->b->c`. */
  record?: string;
}

/** The record a type id leads to (through pointers, typedefs and qualifiers), e.g. "task_struct". */
function recordOf(btf: Btf, id: number): string | undefined {
  let t = btf.strip(id);
  for (let guard = 0; t && t.kind === 'ptr' && guard < 4; guard++) t = btf.strip(t.ref);
  return t && (t.kind === 'struct' || t.kind === 'union') && t.name ? `${t.kind} ${t.name}` : undefined;
}

/** Members of a struct or union ("task_struct", "struct task_struct", "union x"), anonymous members flattened. */
export function btfRecordFields(record: string, btf: Btf | undefined = loadBtf()): FieldInfo[] | undefined {
  if (!btf) return undefined;
  const m = /^(struct|union)\s+(\w+)$/.exec(record.trim());
  const union = m?.[1] === 'union';
  const name = m ? m[2] : record.trim();
  const t = btf.record(name, union);
  if (!t?.members) return undefined;
  const out: FieldInfo[] = [];
  const visit = (members: NonNullable<typeof t.members>, depth: number) => {
    for (const mem of members) {
      if (!mem.name) {
        const inner = btf.strip(mem.type);
        if (inner?.members && depth < 4) visit(inner.members, depth + 1);
        continue;
      }
      out.push({ name: mem.name, type: btfTypeText(btf, mem.type), record: recordOf(btf, mem.type) });
    }
  };
  visit(t.members, 0);
  return out;
}
