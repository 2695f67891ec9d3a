// Public face of the object reader.
export { readBpfObject, type BpfObject } from './reader';
