// The `ebpf-studio` command: one table of subcommands, each a small module.
import { asmCommand, disasmCommand } from './asm-commands';
import { runCommand } from './run-command';
import { checkCommand, compileCommand, probeCommand } from './probe-commands';
import { verifyCommand } from './verify-command';
import { conformancePlugin } from '../vm/conformance-plugin';
import { startServer } from '../lsp/server';
import { EXIT_INPUT, EXIT_OK, EXIT_USAGE, InputError, UsageError, type Io } from './common';

interface Command {
  summary: string;
  run: (args: string[], io: Io) => number | Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  asm: { summary: 'assemble a .bpf.s file (kernel/LLVM or mnemonic syntax)', run: asmCommand },
  disasm: { summary: 'disassemble a .o, .bin or .bpf.s file', run: disasmCommand },
  run: { summary: 'run a program in the VM: r0, output, maps (exit 1 on a fault)', run: runCommand },
  verify: { summary: 'verify programs as the Linux verifier does; exit 1 when rejected', run: verifyCommand },
  probe: { summary: 'run a probe script against an events file (or a generated workload)', run: probeCommand },
  'conformance-plugin': { summary: 'the bpf_conformance plugin interface (memory hex in argv, program hex on stdin)', run: pluginCommand },
  check: { summary: 'check a probe script (.bt); exit 1 when it has errors', run: checkCommand },
  compile: { summary: 'compile a probe script to eBPF assembly, one program per probe', run: compileCommand },
  lsp: { summary: 'the language server (--stdio, --node-ipc or --socket=PORT)', run: lspCommand },
};

function pluginCommand(args: string[], io: Io): number {
  const r = conformancePlugin(args, io.stdin());
  io.out(r.stdout);
  return r.exitCode;
}

/** Serves until the client disconnects; the transport flag is read from argv by the LSP library. */
function lspCommand(args: string[]): Promise<number> {
  if (!args.some((a) => a === '--stdio' || a === '--node-ipc' || a.startsWith('--socket=') || a.startsWith('--pipe='))) {
    throw new UsageError('lsp needs a transport: --stdio, --node-ipc, --socket=PORT or --pipe=NAME');
  }
  const connection = startServer();
  return new Promise((resolve) => connection.onExit(() => resolve(EXIT_OK)));
}

/** Later modules add their commands here (verify, run, probe, check, compile, lsp, conformance-plugin). */
export function registerCommand(name: string, command: Command): void {
  COMMANDS[name] = command;
}

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return [
    'usage: ebpf-studio COMMAND [ARGS]',
    '',
    ...Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`),
    '',
    'Run a command with --help for its options.',
  ].join('\n');
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(help() + '\n');
    return name ? EXIT_OK : EXIT_USAGE;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`ebpf-studio: unknown command '${name}'\n${help()}\n`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`ebpf-studio ${name}: ${e.message}\n`);
      return EXIT_USAGE;
    }
    if (e instanceof InputError) {
      io.err(`ebpf-studio ${name}: ${e.message}\n`);
      return EXIT_INPUT;
    }
    // A bug of ours, not the user's: say so plainly, without a stack trace.
    io.err(`ebpf-studio ${name}: internal error: ${(e as Error)?.message ?? String(e)} (please report this)\n`);
    return EXIT_INPUT;
  }
}
