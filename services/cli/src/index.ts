export * from './client.ts';
export * from './demo.ts';
export * from './launch.ts';
export * from './worked-example.ts';
