export * from './table';
export * from './codec';
export * from './helpers';
