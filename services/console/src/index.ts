export { createConsoleApp, type ConsoleAppOptions } from './app.ts';
export { createApi, readList, parseExact, ServiceProblem, type Api } from './api.ts';
export { loadConfig, type ConsoleConfig } from './config.ts';
export { createSignIn, DEMO_USERS } from './signin.ts';
