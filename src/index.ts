// The package's public surface: a plain list of re-exports; each area appends its line.
export * from './errors';
export * from './engine';
export * from './image';
export * from './models';
export * from './align';
