export * from './data-source';
export * from './migrations';
export * from './queryable';
export * from './repositories';
export * from './bulk';
