// Compiles chain/src/main/solidity/*.sol with solc-js (standard JSON, optimizer on) and writes one
// <Contract>.json per deployable contract ({contractName, abi, bytecode, deployedBytecode, immutableReferences,
// compiler}) for the Java clients. Run by Maven (exec-maven-plugin, generate-resources):
//   node compile.mjs <solidity dir> <output dir> <node_modules dir> [extra import dir ...]
// Exits non-zero with solc's messages on any compile error. Skips work when outputs are newer than sources.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const [srcDir, outDir, nodeModules, ...extraDirs] = process.argv.slice(2);
if (!srcDir || !outDir || !nodeModules) {
  console.error('usage: node compile.mjs <solidity dir> <output dir> <node_modules dir>');
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(nodeModules), 'noop.js'));
const solc = require('solc');

const sources = fs.readdirSync(srcDir).filter(f => f.endsWith('.sol')).sort();
const stamp = path.join(outDir, '.compiled');
const newest = Math.max(fs.statSync(process.argv[1]).mtimeMs,
  ...sources.map(f => fs.statSync(path.join(srcDir, f)).mtimeMs),
  ...extraDirs.flatMap(d => fs.readdirSync(d).filter(f => f.endsWith('.sol')).map(f => fs.statSync(path.join(d, f)).mtimeMs)));
if (fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= newest) {
  process.exit(0);
}

const input = {
  language: 'Solidity',
  sources: Object.fromEntries(sources.map(f => [f, { content: fs.readFileSync(path.join(srcDir, f), 'utf8') }])),
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'cancun',
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object', 'evm.deployedBytecode.immutableReferences'] } },
  },
};

function findImports(importPath) {
  const candidates = [nodeModules, srcDir, ...extraDirs].map(d => path.join(d, importPath));
  for (const c of candidates) {
    if (fs.existsSync(c)) return { contents: fs.readFileSync(c, 'utf8') };
  }
  return { error: `import not found: ${importPath} (looked in ${candidates.join(', ')})` };
}

const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const errors = (output.errors ?? []).filter(e => e.severity === 'error');
for (const e of output.errors ?? []) console.error(e.formattedMessage);
if (errors.length > 0) {
  console.error(`solc ${solc.version()}: ${errors.length} error(s)`);
  process.exit(1);
}

fs.mkdirSync(outDir, { recursive: true });
let written = 0;
for (const file of sources) {
  for (const [name, c] of Object.entries(output.contracts[file] ?? {})) {
    if (!c.evm.bytecode.object || c.abi.length === 0) continue; // interfaces, internal-only libraries
    const artifact = {
      contractName: name,
      sourceName: file,
      compiler: `solc-js ${solc.version()}`,
      abi: c.abi,
      bytecode: '0x' + c.evm.bytecode.object,
      deployedBytecode: '0x' + c.evm.deployedBytecode.object,
      // byte ranges of deployedBytecode the constructor fills in (zero here): masked when comparing on-chain code
      immutableReferences: Object.values(c.evm.deployedBytecode.immutableReferences ?? {}).flat(),
    };
    fs.writeFileSync(path.join(outDir, `${name}.json`), JSON.stringify(artifact, null, 1) + '\n');
    written++;
  }
}
fs.writeFileSync(stamp, solc.version() + '\n');
console.log(`solc ${solc.version()}: wrote ${written} contract artifacts to ${outDir}`);
