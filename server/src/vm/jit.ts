import type { Loaded, Machine } from './machine';
export type CompiledFn = (m: Machine) => void;
export function compileProgram(_m: Machine, _l: Loaded): CompiledFn | null {
  return null;
}
