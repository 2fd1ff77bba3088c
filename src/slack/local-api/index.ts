export * from './render.ts';
export * from './server.ts';
