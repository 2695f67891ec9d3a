import { describe, expect, it } from 'vitest';
import { checkCtxAccess, contextLayout, ctxFieldByName, returnMeaning } from '../../server/src/core/contexts';

describe('context layouts', () => {
  it('__sk_buff matches the uapi offsets', () => {
    const l = contextLayout('sched_cls');
    expect(l.size).toBe(192);
    const at = (n: string) => ctxFieldByName(l, n)?.offset;
    expect([at('len'), at('mark'), at('cb'), at('hash'), at('data'), at('data_end'), at('data_meta'), at('tstamp'), at('sk'), at('hwtstamp')])
      .toEqual([0, 8, 48, 68, 76, 80, 140, 152, 168, 184]);
    expect(ctxFieldByName(l, 'data')?.yields).toBe('packet');
  });
  it('socket filters may write cb but not read data', () => {
    const l = contextLayout('socket_filter');
    expect(checkCtxAccess(l, 48 + 8, 4, 'store').ok).toBe(true);
    const r = checkCtxAccess(l, 76, 4, 'load');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toBe('__sk_buff.data is not accessible to this program type');
    expect(checkCtxAccess(l, 0, 4, 'store')).toMatchObject({ ok: false, reason: '__sk_buff.len is read-only' });
  });
  it('xdp_md is read-only u32', () => {
    const l = contextLayout('xdp');
    expect(l.size).toBe(24);
    expect(checkCtxAccess(l, 4, 4, 'load')).toMatchObject({ ok: true, field: { name: 'data_end', yields: 'packet_end' } });
    expect(checkCtxAccess(l, 4, 2, 'load').ok).toBe(false);
    expect(checkCtxAccess(l, 0, 4, 'store').ok).toBe(false);
  });
  it('pt_regs has the x86-64 argument registers', () => {
    const l = contextLayout('kprobe');
    expect(l.size).toBe(168);
    expect(['di', 'si', 'dx', 'cx', 'r8', 'r9', 'ax', 'sp', 'ip'].map((n) => ctxFieldByName(l, n)?.offset)).toEqual([112, 104, 96, 88, 72, 64, 80, 152, 128]);
  });
  it('tracepoint hides the common header', () => {
    const l = contextLayout('tracepoint', { tracepointFields: [{ name: 'fd', offset: 16, size: 8, signed: true }] });
    expect(l.size).toBe(24);
    expect(checkCtxAccess(l, 4, 4, 'load').ok).toBe(false);
    expect(checkCtxAccess(l, 16, 8, 'load').ok).toBe(true);
  });
  it('raw_tracepoint and perf_event', () => {
    expect(contextLayout('raw_tracepoint', { rawArgs: 3 }).size).toBe(24);
    const pe = contextLayout('perf_event');
    expect(ctxFieldByName(pe, 'sample_period')?.offset).toBe(168);
    expect(pe.size).toBe(184);
  });
  it('names return values', () => {
    expect(returnMeaning('xdp', 2n)).toBe('XDP_PASS');
    expect(returnMeaning('sched_cls', 2n)).toBe('TC_ACT_SHOT');
    expect(returnMeaning('sched_cls', 0xffffffffffffffffn)).toBe('TC_ACT_UNSPEC');
  });
});
