// Entry point of the `ebpf-studio` binary.
import { readFileSync } from 'node:fs';
import { main } from './cli/main';

const io = {
  out: (s: string) => process.stdout.write(s),
  err: (s: string) => process.stderr.write(s),
  stdin: () => readFileSync(0, 'utf8'),
};

main(process.argv.slice(2), io).then((code) => {
  process.exitCode = code;
});
