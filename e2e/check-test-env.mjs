// Runs first in `npm test`: says exactly what to install when the machine lacks what the
// browser and GPU tests need, instead of letting them fail obscurely later.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const problems = [];
if (!existsSync('/usr/bin/chromium')) {
  problems.push(
    'Debian Chromium is missing (/usr/bin/chromium): the Playwright specs and WebGPU (SwiftShader) need it.\n' +
      '    Install it with:  sudo apt-get update && sudo apt-get install -y chromium libvulkan1\n' +
      '    (Do not run `npx playwright install`: the tests use the system Chromium.)',
  );
}
const vulkanLoader = [
  '/usr/lib/x86_64-linux-gnu/libvulkan.so.1',
  '/usr/lib/aarch64-linux-gnu/libvulkan.so.1',
  '/usr/lib/libvulkan.so.1',
];
if (!vulkanLoader.some((p) => existsSync(p))) {
  problems.push(
    "The Vulkan loader (libvulkan.so.1) is missing: the GPU parity tests run WebGPU through Dawn on SwiftShader's Vulkan driver.\n" +
      '    Install it with:  sudo apt-get install -y libvulkan1',
  );
}
if (spawnSync('/usr/bin/python3', ['-c', 'import h5py'], { stdio: 'ignore' }).status !== 0) {
  problems.push(
    "Python's h5py is missing (/usr/bin/python3 -c 'import h5py' fails): the HDF5 reader's test writes its SHD-layout file with it, and the NIR test reads exported graphs with it as the NIR library does.\n" +
      '    Install it with:  sudo apt-get install -y python3-h5py',
  );
}
if (!existsSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz')) {
  problems.push(
    "Fashion-MNIST is missing (/usr/share/datasets/fashion-mnist): the CLI test trains on Debian's copy of it.\n" +
      '    Install it with:  sudo apt-get install -y dataset-fashion-mnist',
  );
}
const [major] = process.versions.node.split('.').map(Number);
if (major < 20) problems.push(`Node ${process.versions.node} is too old: Delay Lab needs Node 20 or newer.`);
if (!existsSync(new URL('../node_modules/vitest', import.meta.url))) {
  problems.push('Dependencies are not installed: run `npm install` first.');
}
if (!existsSync(new URL('../src/wasm/layerKernels.generated.ts', import.meta.url))) {
  problems.push(
    'The WebAssembly kernels are not built (src/wasm/layerKernels.generated.ts is missing).\n' +
      '    Build them with:  npm run build:wasm   (npm install does it too, in its prepare step)',
  );
}
if (problems.length > 0) {
  console.error(`npm test cannot run on this machine yet:\n  - ${problems.join('\n  - ')}`);
  process.exit(1);
}
