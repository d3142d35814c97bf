export * from './terms';
export * from './catalogue';
export * from './binding';
export * from './rules';
