// Reads a JSON array of batches (each an array of bytes32 ids) on stdin; for each prints the
// @openzeppelin/merkle-tree StandardMerkleTree (leaf encoding ["bytes32"]) root and each id's proof.
// Used by MerkleOpenZeppelinInteropTest; run with NODE_PATH=tools/node/node_modules.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';

if (!process.env.NODE_PATH) throw new Error('set NODE_PATH to tools/node/node_modules');
const require = createRequire(join(process.env.NODE_PATH, 'noop.js'));
const { StandardMerkleTree } = require('@openzeppelin/merkle-tree');

const out = [];
for (const ids of JSON.parse(readFileSync(0, 'utf8'))) {
  const tree = StandardMerkleTree.of(ids.map((id) => [id]), ['bytes32']);
  out.push({ root: tree.root, proofs: ids.map((id) => tree.getProof([id])) });
}
console.log(JSON.stringify(out));
