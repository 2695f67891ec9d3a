// Directives that set program properties survive a disassembly round trip.
import { describe, expect, it } from 'vitest';
import { assemble } from '../../server/src/asm/assembler';
import { disassembleProgram } from '../../server/src/asm/disasm';

describe('program directives', () => {
  it('.section sets the type and attach target; .func_info and maps come back from disassembly', () => {
    const r = assemble('.func_info\n.section kprobe/vfs_read\n.map m hash key=4 value=8 entries=16\n  r1 = m ll\n  r0 = 0\n  exit\n');
    expect(r.findings).toEqual([]);
    const p = r.programs[0];
    expect(p).toMatchObject({ type: 'kprobe', attachTo: 'vfs_read', funcInfo: true });
    const text = disassembleProgram(p);
    expect(text).toContain('.func_info');
    const again = assemble(text).programs[0];
    expect(again).toMatchObject({ type: 'kprobe', attachTo: 'vfs_read', funcInfo: true });
    expect(again.insns).toEqual(p.insns);
    expect(again.maps.map((m) => m.name)).toEqual(['m']);
  });

  it('without .func_info the program does not claim it', () => {
    const p = assemble('.section xdp\n  r0 = 2\n  exit\n').programs[0];
    expect(p.funcInfo).toBeFalsy();
    expect(disassembleProgram(p)).not.toContain('.func_info');
  });
});
