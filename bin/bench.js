#!/usr/bin/env node
// `npm run bench`: training-step benchmarks, one JSON line per case (see bench/run.ts).
import { register } from 'tsx/esm/api';

register();
await import('../bench/run.ts');
