// ebpf/run: one VM run of an assembly program or an object file's program, turned into the
// protocol's RunResult for the inspector.
import type { Program, ProgType } from '../core/types';
import { isProgType } from '../core/sections';
import { createVm, type VmState } from '../vm';
import type { EditorSettings } from '../editor/types';
import type { RunParams, RunResult, StackFrame, StackSlot } from '../protocol';

export function failedRun(message: string, extra: Partial<NonNullable<RunResult['error']>> = {}): RunResult {
  return { ok: false, error: { message, ...extra }, r0: '0', insnCount: 0, registers: [], frames: [], maps: [], output: [] };
}

/** The program a run means: the one named by `params.program` (section or name), else the first. */
export function pickProgram(programs: readonly Program[], wanted: string | undefined): Program | string {
  if (programs.length === 0) return 'the file has no program to run';
  if (!wanted) return programs[0];
  const hit = programs.find((p) => p.name === wanted || p.section === wanted);
  return hit ?? `no program '${wanted}' in this file (it has ${programs.map((p) => p.name).join(', ')})`;
}

function progTypeOf(params: RunParams, settings: EditorSettings): ProgType | undefined {
  const wanted = params.progType && params.progType !== 'auto' ? params.progType : settings.programType;
  return wanted && wanted !== 'auto' && isProgType(wanted) ? wanted : undefined;
}

/** The stack as 8-byte slots below r10, only those the program wrote (all-zero slots are left out). */
function stackSlots(stack: readonly number[]): StackSlot[] {
  const out: StackSlot[] = [];
  for (let at = 0; at + 8 <= stack.length; at += 8) {
    const bytes = stack.slice(at, at + 8);
    if (bytes.some((b) => b !== 0)) out.push({ offset: at - stack.length, bytes });
  }
  return out;
}

/** The verifier's view of the registers before a slot, to show beside the values. */
export type RegisterTypes = (program: Program, slot: number) => ReadonlyMap<number, string> | undefined;

function toResult(program: Program, s: VmState, progType: ProgType | undefined, types?: RegisterTypes): RunResult {
  const fnAt = new Map(program.symbols.map((sym) => [sym.insn, sym.name] as const));
  // After exit the pc rests on the exit instruction: the state before it is the state at exit.
  const exitTypes = types?.(program, s.pc);
  const frames: StackFrame[] = s.frames.map((f) => {
    const frame: StackFrame = { index: f.depth, stack: stackSlots(f.stack) };
    const name = f.depth === 0 ? program.name : fnAt.get(f.entry);
    if (name) frame.function = name;
    return frame;
  });
  const result: RunResult = {
    ok: s.status === 'exited',
    r0: s.r0 !== undefined ? BigInt(s.r0).toString() : '0',
    progType: progType ?? program.type,
    insnCount: s.insnCount,
    registers: s.registers.map((value, i) => {
      const type = s.status === 'exited' ? exitTypes?.get(i) : undefined;
      return type ? { name: `r${i}`, value, type } : { name: `r${i}`, value };
    }),
    frames,
    maps: s.maps.map((m) => ({
      name: m.name,
      type: m.type,
      keySize: m.keySize,
      valueSize: m.valueSize,
      entries: m.entries.map((e) => ({ key: e.key, value: e.values ?? e.value ?? [] })),
    })),
    output: s.output.map((o) => o.text),
  };
  if (s.meaning) result.r0Meaning = s.meaning;
  if (s.fault) {
    const f = s.fault;
    result.error = { message: f.message, insn: f.pc };
    const range = program.sourceMap?.[f.pc];
    if (range) Object.assign(result.error, { line: range.start.line, col: range.start.col });
    else if (f.line !== undefined) result.error.line = f.line - 1;
  } else if (s.status !== 'exited') {
    result.error = { message: `the run stopped without exiting (${s.status}) after ${s.insnCount} instructions` };
  }
  return result;
}

/** Runs one program of `programs` (the others are tail-call targets). Never throws. */
export function runPrograms(programs: readonly Program[], params: RunParams, settings: EditorSettings, types?: RegisterTypes): RunResult {
  const program = pickProgram(programs, params.program);
  if (typeof program === 'string') return failedRun(program);
  const progType = progTypeOf(params, settings);
  try {
    const vm = createVm(program, {
      budget: params.budget && params.budget > 0 ? Math.min(params.budget, 1_000_000_000) : settings.instructionBudget,
      cpus: settings.cpus,
      programs: [...programs],
      ...(progType ? { progType } : {}),
    });
    vm.run();
    return toResult(program, vm.state(), progType, types);
  } catch (e) {
    return failedRun(`the program could not start: ${e instanceof Error ? e.message : String(e)}`);
  }
}
