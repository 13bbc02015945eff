export { createCommandApp, type CommandAppOptions } from './app.ts';
