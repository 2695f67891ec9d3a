// Public face of the object reader.
export { readBpfObject, type BpfObject } from './reader';
export { sectionKind, type SectionKind } from '../core/sections';
