export * from './engine';
export * from './errors';
