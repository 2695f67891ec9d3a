// Kernel objects in the generated workload: a pointer argument the script follows into a struct
// points at that struct, laid out as declared, with the fields the script reads filled in
// plausibly (a socket's family, addresses and ports; a request's disk), the same object for the
// start and the completion of one piece of work. The structs are declared in the scripts, so the
// tests do not depend on this machine's kernel BTF.
import { describe, expect, test } from 'vitest';
import { runScript } from '../../server/src/probe/run';
import { DISKS } from '../../server/src/probe/run/workload';

const OPTS = { btf: null, useTracefs: false } as const;

const STRUCTS = `
struct sock_common { unsigned short skc_family; unsigned short skc_num; unsigned short skc_dport; unsigned char skc_state; unsigned int skc_daddr; unsigned int skc_rcv_saddr; }
struct sock { struct sock_common __sk_common; unsigned int sk_ack_backlog; unsigned int sk_max_ack_backlog; }
struct gendisk { int major; char disk_name[32]; }
struct request_queue { long flags; struct gendisk *disk; }
struct request { struct request_queue *q; unsigned int __data_len; }
`;

const rowsOf = (out: string, tag: string): string[][] => out.split('\n').filter((l) => l.startsWith(`${tag} `)).map((l) => l.split(' ').slice(1));

describe('a socket the script follows', () => {
  const script = `${STRUCTS}
kprobe:tcp_connect {
  $sk = (struct sock *)arg0;
  printf("C %d %s %d %s %d %d\\n", $sk->__sk_common.skc_family, ntop($sk->__sk_common.skc_rcv_saddr), $sk->__sk_common.skc_num,
    ntop($sk->__sk_common.skc_daddr), bswap($sk->__sk_common.skc_dport), $sk->__sk_common.skc_state);
}`;
  const r = runScript(script, { ...OPTS, seed: 3 });
  const rows = rowsOf(r.output, 'C');

  test('is an IPv4 or IPv6 socket connecting from an ephemeral port to a service, in SYN_SENT', () => {
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(rows.length).toBeGreaterThan(20);
    for (const [family, saddr, sport, daddr, dport, state] of rows) {
      expect(['2', '10']).toContain(family);
      expect(Number(sport)).toBeGreaterThanOrEqual(32768);
      expect(Number(sport)).toBeLessThan(61000);
      expect([443, 80, 5432, 53, 6379]).toContain(Number(dport));
      expect(state).toBe('2');
      // The v4 fields are read whatever the family (the script does not branch): real dotted quads.
      expect(saddr).toMatch(/^(10\.0\.2\.15|127\.0\.0\.1)$/);
      expect(daddr).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(daddr).not.toBe('0.0.0.0');
    }
    expect(new Set(rows.map((x) => x[0])).size).toBe(2);
  });

  test('the backlog of a listening socket stays under its limit mostly, and is read from the object', () => {
    const s = `${STRUCTS}
kretprobe:inet_csk_accept { $sk = (struct sock *)retval; printf("A %d %d %d\\n", $sk->sk_ack_backlog, $sk->sk_max_ack_backlog, $sk->__sk_common.skc_num); }`;
    const rows2 = rowsOf(runScript(s, { ...OPTS, seed: 8 }).output, 'A');
    expect(rows2.length).toBeGreaterThan(10);
    for (const [qlen, qmax, lport] of rows2) {
      expect([128, 511, 4096]).toContain(Number(qmax));
      expect(Number(qlen)).toBeLessThanOrEqual(12);
      expect([443, 5432, 22, 3000]).toContain(Number(lport));
    }
  });
});

describe('an I/O request', () => {
  test('its disk is reached through pointers, and its completion sees the object its start saw', () => {
    const script = `${STRUCTS}
kprobe:blk_account_io_start { @start[arg0] = nsecs; @disk[arg0] = ((struct request *)arg0)->q->disk->disk_name; }
kprobe:blk_account_io_done /@start[arg0]/ { printf("D %s %d\\n", @disk[arg0], (nsecs - @start[arg0]) / 1000); delete(@start[arg0]); delete(@disk[arg0]); }
`;
    const r = runScript(script, { ...OPTS, seed: 6 });
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
    const rows = rowsOf(r.output, 'D');
    expect(rows.length).toBeGreaterThan(20);
    for (const [disk, us] of rows) {
      expect(DISKS).toContain(disk);
      // From issue to completion: tens of microseconds to tens of milliseconds.
      expect(Number(us)).toBeGreaterThanOrEqual(50);
      expect(Number(us)).toBeLessThan(200_000);
    }
  });

  test('a struct nobody reads a field of stays a plain address (no object is made)', () => {
    const r = runScript('kprobe:blk_account_io_start { printf("P %llx\\n", arg0); }', { ...OPTS, seed: 6 });
    const rows = rowsOf(r.output, 'P');
    expect(rows.length).toBeGreaterThan(5);
    for (const [addr] of rows) expect(addr).toMatch(/^ffff8881/);
  });
});

describe('a socket through its states (tcp_set_state)', () => {
  test('one socket passes SYN_SENT or ESTABLISHED first and CLOSE last, at one address', () => {
    const script = `${STRUCTS}
kprobe:tcp_set_state { printf("S %llx %d %d\\n", arg0, arg1, ((struct sock *)arg0)->__sk_common.skc_num); }`;
    const rows = rowsOf(runScript(script, { ...OPTS, seed: 12 }).output, 'S');
    const bySock = new Map<string, number[]>();
    for (const [sk, state] of rows) bySock.set(sk!, [...(bySock.get(sk!) ?? []), Number(state)]);
    expect(bySock.size).toBeGreaterThan(5);
    let complete = 0;
    for (const states of bySock.values()) {
      expect([1, 2]).toContain(states[0]);
      if (states.includes(7)) {
        expect(states[states.length - 1]).toBe(7);
        complete++;
      }
    }
    expect(complete).toBeGreaterThan(2);
  });
});
