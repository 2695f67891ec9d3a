// Packet helpers: skb_load_bytes/store_bytes, xdp_adjust_head/tail/meta, redirect, redirect_map,
// csum_diff. Offsets and limits follow net/core/filter.c.
import { fault } from '../faults';
import type { Machine } from '../machine';
import { ERRNO } from '../maps/types';
import { ETH_HLEN, XDP_FRAME_SIZE, type PacketState } from '../context';
import { neg, u32, type Helper } from './types';

const EACCES = 13;
const XDP_ABORTED = 0n;
const XDP_REDIRECT = 4n;
const TC_ACT_SHOT = 2n;
const TC_ACT_REDIRECT = 7n;
const BPF_F_INGRESS = 1n;
/** The return-code bits of redirect_map's flags (XDP_ABORTED..XDP_TX). */
const BPF_F_ACTION_MASK = 3n;

function packetOf(m: Machine, kind: PacketState['kind'], helper: string): PacketState {
  const p = m.packet;
  if (!p || p.kind !== kind) fault('helper', `${helper} needs ${kind === 'xdp' ? 'an XDP' : 'a socket filter or tc'} program with a packet`);
  return p;
}

function setWindow(p: PacketState): void {
  p.region.setWindow(p.meta, p.end);
}

/** The 32-bit ones'-complement partial sum x86-64's csum_partial returns. */
export function csumPartial(bytes: Uint8Array, seed: number): number {
  let sum = BigInt(seed >>> 0);
  const M64 = (1n << 64n) - 1n;
  for (let i = 0; i < bytes.length; i += 8) {
    let w = 0n;
    for (let k = 7; k >= 0; k--) w = (w << 8n) | BigInt(i + k < bytes.length ? bytes[i + k] : 0);
    sum += w;
    if (sum > M64) sum = (sum & M64) + 1n;
  }
  let r = (sum >> 32n) + (sum & 0xffffffffn);
  if (r > 0xffffffffn) r = (r & 0xffffffffn) + 1n;
  return Number(r);
}

/** Adds two 32-bit partial sums with the end-around carry. */
function csumAdd(a: number, b: number): number {
  const r = (a + b) >>> 0;
  return (r + (r < b ? 1 : 0)) >>> 0;
}

function csumFrom32to16(sum: number): number {
  const s = (sum + (((sum >>> 16) | (sum << 16)) >>> 0)) >>> 0;
  return s >>> 16;
}

export const PACKET_HELPERS: Helper[] = [
  {
    id: 26,
    name: 'bpf_skb_load_bytes',
    run(m) {
      const p = packetOf(m, 'skb', 'bpf_skb_load_bytes');
      const offset = u32(m.arg(2));
      const len = u32(m.arg(4));
      const out = m.mem.writableBytes(m.arg(3), len, 'bpf_skb_load_bytes write');
      if (offset > 0x7fffffff || offset + len > p.end - p.data) {
        out.fill(0);
        return neg(ERRNO.EFAULT);
      }
      out.set(p.region.u8.subarray(p.data + offset, p.data + offset + len));
      return 0n;
    },
  },
  {
    id: 9,
    name: 'bpf_skb_store_bytes',
    run(m) {
      const p = packetOf(m, 'skb', 'bpf_skb_store_bytes');
      const offset = u32(m.arg(2));
      const len = u32(m.arg(4));
      const flags = m.arg(5);
      if (offset > 0xffff || flags & ~3n) return neg(ERRNO.EINVAL);
      const from = m.mem.readBytes(m.arg(3), len, 'bpf_skb_store_bytes read');
      if (offset + len > p.end - p.data) return neg(ERRNO.EFAULT);
      p.region.u8.set(from, p.data + offset);
      return 0n;
    },
  },
  { id: 188, name: 'bpf_xdp_get_buff_len', run: (m) => BigInt(packetOf(m, 'xdp', 'bpf_xdp_get_buff_len').end - packetOf(m, 'xdp', 'bpf_xdp_get_buff_len').data) },
  ...([189, 190] as const).map((id): Helper => ({
    id,
    name: id === 189 ? 'bpf_xdp_load_bytes' : 'bpf_xdp_store_bytes',
    run(m) {
      const helper = id === 189 ? 'bpf_xdp_load_bytes' : 'bpf_xdp_store_bytes';
      const p = packetOf(m, 'xdp', helper);
      const offset = u32(m.arg(2));
      const len = u32(m.arg(4));
      // Unlike skb_load_bytes, the buffer is left alone on failure.
      if (offset > 0xffff || len > 0xffff) return neg(ERRNO.EFAULT);
      if (offset + len > p.end - p.data) return neg(ERRNO.EINVAL);
      if (id === 189) m.mem.writeBytes(m.arg(3), p.region.u8.slice(p.data + offset, p.data + offset + len), `${helper} write`);
      else p.region.u8.set(m.mem.readBytes(m.arg(3), len, `${helper} read`), p.data + offset);
      return 0n;
    },
  })),
  {
    id: 44,
    name: 'bpf_xdp_adjust_head',
    run(m) {
      const p = packetOf(m, 'xdp', 'bpf_xdp_adjust_head');
      const delta = Number(BigInt.asIntN(32, m.arg(2)));
      const metalen = p.data - p.meta;
      const data = p.data + delta;
      if (data < XDP_FRAME_SIZE + metalen || data > p.end - ETH_HLEN) return neg(ERRNO.EINVAL);
      if (metalen) p.region.u8.copyWithin(p.meta + delta, p.meta, p.data);
      p.meta += delta;
      p.data = data;
      setWindow(p);
      return 0n;
    },
  },
  {
    id: 65,
    name: 'bpf_xdp_adjust_tail',
    run(m) {
      const p = packetOf(m, 'xdp', 'bpf_xdp_adjust_tail');
      const delta = Number(BigInt.asIntN(32, m.arg(2)));
      const end = p.end + delta;
      if (end > p.limit || end < p.data + ETH_HLEN) return neg(ERRNO.EINVAL);
      if (delta > 0) p.region.u8.fill(0, p.end, end);
      p.end = end;
      setWindow(p);
      return 0n;
    },
  },
  {
    id: 54,
    name: 'bpf_xdp_adjust_meta',
    run(m) {
      const p = packetOf(m, 'xdp', 'bpf_xdp_adjust_meta');
      const meta = p.meta + Number(BigInt.asIntN(32, m.arg(2)));
      if (meta < XDP_FRAME_SIZE || meta > p.data) return neg(ERRNO.EINVAL);
      const metalen = p.data - meta;
      if (metalen % 4 !== 0 || metalen > 32) return neg(EACCES);
      p.meta = meta;
      setWindow(p);
      return 0n;
    },
  },
  {
    id: 23,
    name: 'bpf_redirect',
    run(m) {
      const flags = m.arg(2);
      const xdp = m.progType === 'xdp';
      if (xdp ? flags !== 0n : flags & ~BPF_F_INGRESS) return xdp ? XDP_ABORTED : TC_ACT_SHOT;
      m.redirect = { ifindex: u32(m.arg(1)), flags: Number(flags) };
      return xdp ? XDP_REDIRECT : TC_ACT_REDIRECT;
    },
  },
  {
    id: 51,
    name: 'bpf_redirect_map',
    run(m) {
      const map = m.mapArg(m.arg(1), 'bpf_redirect_map map');
      const key = u32(m.arg(2));
      const flags = m.arg(3);
      if (flags & ~(BPF_F_ACTION_MASK | 8n | 16n)) return XDP_ABORTED;
      const k = new Uint8Array(4);
      new DataView(k.buffer).setUint32(0, key, true);
      const present = map.spec.keySize === 4 && (map.lookup(k) !== undefined);
      if (!present) return flags & BPF_F_ACTION_MASK;
      m.redirect = { map: map.spec.name, key, flags: Number(flags) };
      return XDP_REDIRECT;
    },
  },
  {
    id: 28,
    name: 'bpf_csum_diff',
    // Linux 6.13 and later: no scratch buffer, any sizes, and the result folded to 16 bits.
    run(m) {
      const fromSize = u32(m.arg(2));
      const toSize = u32(m.arg(4));
      const from = m.mem.readBytes(m.arg(1), fromSize, 'bpf_csum_diff from read');
      const to = m.mem.readBytes(m.arg(3), toSize, 'bpf_csum_diff to read');
      let ret = u32(m.arg(5));
      if (fromSize && toSize) ret = csumAdd(csumPartial(to, ret), ~csumPartial(from, 0) >>> 0);
      else if (toSize) ret = csumPartial(to, ret);
      else if (fromSize) ret = ~csumPartial(from, ~ret >>> 0) >>> 0;
      return BigInt(csumFrom32to16(ret));
    },
  },
];
