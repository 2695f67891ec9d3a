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
  it('tracepoint hides the common header; any aligned read below PERF_MAX_TRACE_SIZE is allowed', () => {
    const l = contextLayout('tracepoint', { tracepointFields: [{ name: 'nr', offset: 8, size: 4 }, { name: 'fd', offset: 16, size: 8, signed: true }] });
    expect(l.size).toBe(8192);
    expect(checkCtxAccess(l, 4, 4, 'load').ok).toBe(false);
    expect(checkCtxAccess(l, 16, 8, 'load')).toMatchObject({ ok: true, field: { name: 'fd' } });
    // 8 bytes over a 4-byte field and its padding, past the record, up to the last 8 bytes, and below the record.
    expect(checkCtxAccess(l, 8, 8, 'load')).toMatchObject({ ok: true, field: { name: 'nr' } });
    expect(checkCtxAccess(l, 8184, 8, 'load')).toEqual({ ok: true, field: undefined });
    expect(checkCtxAccess(l, 8191, 1, 'load').ok).toBe(true);
    expect(checkCtxAccess(l, -8, 8, 'load').ok).toBe(true);
    expect(checkCtxAccess(l, 8188, 8, 'load')).toMatchObject({ ok: false, reason: 'misaligned 8-byte load at trace_event_raw offset 8188' });
    expect(checkCtxAccess(l, 8192, 1, 'load').ok).toBe(false);
    expect(checkCtxAccess(l, -4, 8, 'load').ok).toBe(false);
    expect(checkCtxAccess(l, 16, 8, 'store')).toMatchObject({ ok: false, reason: 'trace_event_raw.fd is read-only' });
  });
  it('raw_tracepoint keeps all 12 arguments readable; perf_event reads sample_period and addr narrowly', () => {
    const raw = contextLayout('raw_tracepoint', { rawArgs: 3 });
    expect(raw.size).toBe(96);
    expect(checkCtxAccess(raw, 88, 8, 'load')).toMatchObject({ ok: true, field: { name: 'args[11]' } });
    expect(checkCtxAccess(raw, 12, 4, 'load').ok).toBe(true);
    const pe = contextLayout('perf_event');
    expect(ctxFieldByName(pe, 'sample_period')?.offset).toBe(168);
    expect(pe.size).toBe(184);
    expect([1, 2, 4, 8].map((n) => checkCtxAccess(pe, 176, n, 'load').ok)).toEqual([true, true, true, true]);
    expect(checkCtxAccess(pe, 179, 1, 'load').ok).toBe(true);
    expect(checkCtxAccess(pe, 180, 4, 'load')).toMatchObject({ ok: true, field: { name: 'addr' } });
    expect(checkCtxAccess(pe, 178, 4, 'load').ok).toBe(false);
    expect(checkCtxAccess(pe, 4, 4, 'load').ok).toBe(false);
  });
  it('cb[] takes any aligned width up to 8, loads and stores, inside its 20 bytes', () => {
    for (const t of ['socket_filter', 'sched_cls', 'cgroup_skb'] as const) {
      const l = contextLayout(t);
      expect([48, 56].map((o) => checkCtxAccess(l, o, 8, 'load').ok)).toEqual([true, true]);
      expect([48, 56].map((o) => checkCtxAccess(l, o, 8, 'store').ok)).toEqual([true, true]);
      expect(checkCtxAccess(l, 49, 1, 'store').ok).toBe(true);
      expect(checkCtxAccess(l, 66, 2, 'store').ok).toBe(true);
      expect(checkCtxAccess(l, 64, 8, 'load').ok).toBe(false);
      expect(checkCtxAccess(l, 52, 8, 'load').ok).toBe(false);
    }
    // Other writable u32 fields take 4-byte stores only.
    expect(checkCtxAccess(contextLayout('sched_cls'), 8, 2, 'store').ok).toBe(false);
  });
  it('__sk_buff differs per program type: tstamp_type (tc), socket fields (cgroup_skb)', () => {
    const tc = contextLayout('sched_cls');
    expect(checkCtxAccess(tc, 180, 1, 'load')).toMatchObject({ ok: true, field: { name: 'tstamp_type' } });
    expect(checkCtxAccess(tc, 180, 2, 'load').ok).toBe(false);
    expect(checkCtxAccess(tc, 180, 1, 'store').ok).toBe(false);
    expect(checkCtxAccess(tc, 181, 1, 'load')).toMatchObject({ ok: false, reason: 'no __sk_buff field at offset 181' });
    expect(checkCtxAccess(tc, 88, 4, 'load').ok).toBe(false);
    expect(checkCtxAccess(contextLayout('socket_filter'), 180, 1, 'load').ok).toBe(false);
    const cg = contextLayout('cgroup_skb');
    expect(checkCtxAccess(cg, 88, 2, 'load')).toMatchObject({ ok: true, field: { name: 'family' } });
    expect(checkCtxAccess(cg, 104, 4, 'load')).toMatchObject({ ok: true, field: { name: 'remote_ip6' } });
    expect(checkCtxAccess(cg, 104, 2, 'load').ok).toBe(false);
    expect(checkCtxAccess(cg, 140, 4, 'load').ok).toBe(false); // data_meta: tc only
    expect(checkCtxAccess(cg, 12, 4, 'store').ok).toBe(false); // queue_mapping: tc only
    expect(checkCtxAccess(cg, 8, 4, 'store').ok).toBe(true);
  });
  it('a sign-extending load of a pointer field is refused; of a number it is not', () => {
    const tc = contextLayout('sched_cls');
    expect(checkCtxAccess(tc, 76, 4, 'load', true)).toMatchObject({ ok: false, reason: '__sk_buff.data is a pointer: it cannot be loaded sign-extended' });
    expect(checkCtxAccess(tc, 76, 4, 'load').ok).toBe(true);
    expect(checkCtxAccess(tc, 0, 1, 'load', true).ok).toBe(true);
  });
  it('names return values', () => {
    expect(returnMeaning('xdp', 2n)).toBe('XDP_PASS');
    expect(returnMeaning('sched_cls', 2n)).toBe('TC_ACT_SHOT');
    expect(returnMeaning('sched_cls', 0xffffffffffffffffn)).toBe('TC_ACT_UNSPEC');
  });
});
