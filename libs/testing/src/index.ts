export * from './databases';
export * from './contract';
export * from './log-capture';
export * from './workspace';
export * from './server-process';
export * from './numbers-table';
export * from './owned-postgres';
