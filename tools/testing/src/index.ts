export * from './databases';
export * from './contract';
export * from './log-capture';
export * from './workspace';
export * from './owned-postgres';
