#!/usr/bin/env node
// The `delaylab` command: runs the TypeScript CLI through tsx's loader (no build step needed),
// with a hook for the `?raw` shader imports of the GPU engine.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('./raw-loader.mjs', import.meta.url);
await import('./main.ts');
