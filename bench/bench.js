#!/usr/bin/env node
// `npm run bench`: training-step benchmarks, one JSON line per case (see bench/run.ts), with the
// `?raw` hook for the GPU engine's shaders.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('../src/cli/raw-loader.mjs', import.meta.url);
await import('./run.ts');
