// Entry point of the `ebpf-studio` binary.
import { readFileSync } from 'node:fs';
import { main } from './cli/main';

// A reader that stops early (`| head`) is not an error of ours: stop quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const io = {
  out: (s: string) => process.stdout.write(s),
  err: (s: string) => process.stderr.write(s),
  stdin: () => readFileSync(0, 'utf8'),
};

main(process.argv.slice(2), io).then((code) => {
  process.exitCode = code;
});
