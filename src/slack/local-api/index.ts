export * from './render.ts';
export * from './server.ts';
export * from './socket-mode.ts';
