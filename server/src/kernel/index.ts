// Public face of the optional bpf() bridge. Loading this module never loads koffi; the first call does.
export * from './bpf';
export { loadProgram, patchMapFds, withProgramMaps } from './programMaps';
export { errnoName, MAP_TYPE_NUMBER, PROG_TYPE_NUMBER, UpdateFlag } from './constants';
