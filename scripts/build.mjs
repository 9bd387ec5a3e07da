// Builds dist/ from nothing: clears it (so files of removed sources never ship), compiles with
// tsc, and copies the runtime assets a consumer needs beside the code. mermaid is a build-time
// dependency only: its classic bundle (mermaid.min.js, MIT) is copied into dist/assets/ with its
// licence, so an installed pph writes offline HTML reports without the 84 MB mermaid package.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });

const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);

const require = createRequire(import.meta.url);
const mermaidPkg = require.resolve('mermaid/package.json', { paths: [root] });
const mermaidDir = dirname(mermaidPkg);
const assets = join(dist, 'assets');
mkdirSync(assets, { recursive: true });
copyFileSync(join(mermaidDir, 'dist', 'mermaid.min.js'), join(assets, 'mermaid.min.js'));
copyFileSync(join(mermaidDir, 'LICENSE'), join(assets, 'mermaid.LICENSE'));
const { version } = JSON.parse(readFileSync(mermaidPkg, 'utf8'));
writeFileSync(join(assets, 'mermaid.json'), JSON.stringify({ package: 'mermaid', version, file: 'mermaid.min.js', licence: 'MIT' }) + '\n');
console.log(`[build] dist/ built; mermaid ${version} bundle copied to dist/assets/`);
