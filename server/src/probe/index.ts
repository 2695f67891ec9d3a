// The bpftrace front end's public surface, for the language server, the CLI and the compiler.
export { parseScript, type ParseOptions, type ParseResult } from './parser';
export { checkScript, type CheckInfo, type CheckOptions, type CheckResult, type MapInfo, type ProbeInfo, type AttachInfo } from './checker';
export { tokenize, type Token } from './lexer';
export { catalog, docFor, BUILTINS, FUNCTIONS, KEYWORDS, builtinInfo, functionInfo, type CatalogEntry } from './catalog';
export { PROBE_KINDS, probeKind, resolveAttach, type ProbeKind, type AttachTarget } from './probes';
export { tracepointFormat, knownTracepoints, bundledTracepoints, type TracepointFormat, type TracepointField } from './tracepoints';
export { loadBtf, Btf } from './btf';
export { binarySymbols, resolveBinary } from './binsyms';
export { TypeEnv, type RecordLayout, type FieldLayout } from './typeenv';
export { typeName, sizeOf, type Type, type AggKind } from './types';
export type * as Ast from './ast';
