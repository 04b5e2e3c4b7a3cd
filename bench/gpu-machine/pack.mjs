#!/usr/bin/env node
// Packs what `run.sh` needs on a lent x86-64 Linux machine with an NVIDIA GPU and no network
// into one folder under 64 MiB (the device tool's limit): this Node binary and the linux-x64
// Dawn addon (gzip-compressed), the bench and the parity check (parity.ts) each bundled into one
// file with its WGSL shaders inlined,
// the PyTorch peer, the Vulkan loader for a machine that lacks one, and run.sh itself.
//
//   node bench/gpu-machine/pack.mjs [--out <dir>]      (default: gpu-pack/ in the repo, git-ignored)
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const outFlag = args.indexOf('--out');
const out = resolve(outFlag >= 0 && args[outFlag + 1] ? args[outFlag + 1] : join(root, 'gpu-pack'));
/** The device tool carries at most 64 MiB of working tree per call. */
const LIMIT_BYTES = 64 * 1024 * 1024;
const log = (s) => process.stderr.write(`${s}\n`);

if (process.platform !== 'linux' || process.arch !== 'x64') {
  throw new Error(
    `pack.mjs packs this machine's Node and Dawn, which must be linux-x64 (this is ${process.platform}-${process.arch})`,
  );
}

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'lib'), { recursive: true });

log('bundling bench/run.ts and the parity check (shaders inlined, the webgpu package left outside)...');
await build({
  entryPoints: {
    bench: join(root, 'bench/run.ts'),
    parity: join(root, 'bench/gpu-machine/parity.ts'),
  },
  outdir: out,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['webgpu'],
  logLevel: 'warning',
  plugins: [
    {
      // Vite's `?raw` imports: the file's text as the default export.
      name: 'raw',
      setup(b) {
        b.onResolve({ filter: /\?raw$/ }, (a) => ({
          path: resolve(a.resolveDir, a.path.slice(0, -'?raw'.length)),
          namespace: 'raw',
        }));
        b.onLoad({ filter: /.*/, namespace: 'raw' }, (a) => ({
          contents: readFileSync(a.path, 'utf8'),
          loader: 'text',
        }));
      },
    },
  ],
});

function gzipInto(source, target) {
  const bytes = readFileSync(source);
  writeFileSync(target, gzipSync(bytes, { level: 9 }));
  log(
    `  ${relative(out, target)}: ${(bytes.length / 1048576).toFixed(1)} MiB -> ${(statSync(target).size / 1048576).toFixed(1)} MiB`,
  );
}

log('compressing the Node binary and the Dawn addon...');
gzipInto(process.execPath, join(out, 'node.gz'));
const webgpu = join(root, 'node_modules/webgpu');
mkdirSync(join(out, 'webgpu'), { recursive: true });
for (const f of ['package.json', 'index.js']) copyFileSync(join(webgpu, f), join(out, 'webgpu', f));
gzipInto(join(webgpu, 'dist/linux-x64/dawn.node'), join(out, 'webgpu/dawn.node.gz'));

const peer = resolve(root, '../shared/peer/dcls_peer.py');
if (!existsSync(peer)) throw new Error(`no PyTorch peer at ${peer}`);
copyFileSync(peer, join(out, 'dcls_peer.py'));

// The Vulkan loader (Debian's libvulkan1), used only where the GPU machine has none.
const loader = '/usr/lib/x86_64-linux-gnu/libvulkan.so.1';
if (!existsSync(loader)) throw new Error(`no Vulkan loader at ${loader}: apt-get install -y libvulkan1`);
copyFileSync(realpathSync(loader), join(out, 'lib/libvulkan.so.1'));

copyFileSync(join(root, 'bench/gpu-machine/run.sh'), join(out, 'run.sh'));
execFileSync('chmod', ['+x', join(out, 'run.sh')]);
writeFileSync(
  join(out, 'VERSION'),
  `${execFileSync('git', ['-C', root, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim()} node ${process.version}\n`,
);

const total = Number(execFileSync('du', ['-sb', out], { encoding: 'utf8' }).split('\t')[0]);
log(`packed ${out}: ${(total / 1048576).toFixed(1)} MiB (limit 64 MiB)`);
if (total >= LIMIT_BYTES) {
  process.stderr.write('the pack is over the 64 MiB the device tool carries\n');
  process.exitCode = 1;
}
