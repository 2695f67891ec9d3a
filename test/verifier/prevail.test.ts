// PREVAIL's public verifier cases: every case our syntax can express runs through our verifier,
// and its verdict is compared with PREVAIL's. PREVAIL is a different verifier; where it and we
// differ, the Linux kernel decides (checked with the kernel when it is available here).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { assemble } from '../../server/src/asm/assembler';
import { convertPrevail, readPrevail } from './prevail';
import { kernelSkipReason, kernelVerdict, ourVerdict } from './support';

const DIR = path.resolve(__dirname, '../../../shared/verifier-cases/prevail');
const missing = existsSync(DIR) ? undefined : `PREVAIL cases not found at ${DIR}`;
if (missing) console.warn(missing);

describe.skipIf(missing)('PREVAIL verifier cases', () => {
  test('expressible cases agree with PREVAIL, or with the kernel where PREVAIL differs', () => {
    const noKernel = kernelSkipReason();
    const cases = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort()
      .flatMap((f) => readPrevail(f, readFileSync(path.join(DIR, f), 'utf8')));
    const skipped = new Map<string, number>();
    const differ: string[] = [];
    const wrong: string[] = [];
    let ran = 0;
    let agree = 0;
    for (const c of cases) {
      const conv = convertPrevail(c);
      if (!conv.ok) {
        skipped.set(conv.reason, (skipped.get(conv.reason) ?? 0) + 1);
        continue;
      }
      const asm = assemble(conv.source);
      if (asm.findings.some((f) => f.severity === 'error')) {
        const reason = `does not assemble in our syntax (${asm.findings[0].message})`;
        skipped.set(reason, (skipped.get(reason) ?? 0) + 1);
        continue;
      }
      ran++;
      const p = asm.programs[0];
      const ours = ourVerdict(p);
      const prevailAccepts = c.messages.length === 0;
      if (ours.accepted === prevailAccepts) {
        agree++;
        continue;
      }
      const label = `${c.file}: ${c.name}: PREVAIL ${prevailAccepts ? 'accepts' : `rejects (${c.messages[0]})`}, we ${ours.accepted ? 'accept' : `reject (${ours.text})`}`;
      if (noKernel) {
        differ.push(`${label} [kernel not available to decide]`);
        continue;
      }
      const k = kernelVerdict(p);
      if (k.text === ours.text) differ.push(`${label} — the kernel agrees with us`);
      else wrong.push(`${label} — the kernel says ${k.text}`);
    }
    console.log(`PREVAIL cases: ${cases.length} total, ${ran} run, ${agree} agree, ${differ.length} differ (kernel rules), ${wrong.length} wrong, ${cases.length - ran} skipped`);
    for (const [reason, n] of [...skipped].sort((a, b) => b[1] - a[1])) console.log(`  skipped ${n}: ${reason}`);
    for (const d of differ) console.log(`  differs: ${d}`);
    expect(ran).toBeGreaterThan(100);
    expect(wrong).toEqual([]);
  }, 60_000);
});
