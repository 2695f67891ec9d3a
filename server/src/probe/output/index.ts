// bpftrace-format output: values, printf, maps, and the text/JSON writers.
export * from './values';
export * from './printf';
export * from './maps';
export * from './writer';
export * from './strftime';
