export * from './render.ts';
export * from './server.ts';
export * from './socket-mode.ts';
export * from './threads.ts';
export * from './views.ts';
export * from './render-views.ts';
