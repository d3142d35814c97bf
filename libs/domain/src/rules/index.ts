export * from './evaluation';
export * from './evaluate';
export * from './attribution';
export * from './commission';
export * from './links';
