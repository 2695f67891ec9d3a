// What the editor features need from a verifier run, as text: each register's abstract state
// before and after an instruction slot. verify-adapter.ts builds this from the verifier's result;
// hover and inlay hints read only this, so they do not depend on the verifier's internals.

export interface RegisterStates {
  /** Register number (0..10) → its state before the slot, e.g. "map_value_or_null(map=counts)"; undefined when the slot is unreachable. */
  before(slot: number): ReadonlyMap<number, string> | undefined;
  /** The same after the slot executes (on the fall-through path). */
  after(slot: number): ReadonlyMap<number, string> | undefined;
}
