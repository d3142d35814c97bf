export * from './program-document.dto';
export * from './program-document';
export * from './terms-amount';
export * from './validate-document';
