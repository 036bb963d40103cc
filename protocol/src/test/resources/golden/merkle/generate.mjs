// Generates vectors.json: roots and proofs computed by @openzeppelin/merkle-tree's StandardMerkleTree with leaf
// encoding ["bytes32"] (not by Verity), for MerkleGoldenTest. Ids are keccak256 of fixed strings.
// Run from the repository root:
//   NODE_PATH=tools/node/node_modules node protocol/src/test/resources/golden/merkle/generate.mjs \
//     > protocol/src/test/resources/golden/merkle/vectors.json
import { createRequire } from 'node:module';
import { join } from 'node:path';

if (!process.env.NODE_PATH) throw new Error('set NODE_PATH to tools/node/node_modules');
const require = createRequire(join(process.env.NODE_PATH, 'noop.js'));
const { ethers } = require('ethers');
const { StandardMerkleTree } = require('@openzeppelin/merkle-tree');
const version = require('@openzeppelin/merkle-tree/package.json').version;

const batches = [];
for (const size of [1, 2, 3, 4, 5, 7, 8, 16, 33, 100]) {
  const ids = Array.from({ length: size }, (_, i) => ethers.keccak256(ethers.toUtf8Bytes(`verity-batch-${size}-${i}`)));
  const tree = StandardMerkleTree.of(ids.map((id) => [id]), ['bytes32']);
  batches.push({
    ids,
    root: tree.root,
    leafHashes: ids.map((id) => tree.leafHash([id])),
    proofs: ids.map((id) => tree.getProof([id])),
  });
}
console.log(JSON.stringify({
  generator: `@openzeppelin/merkle-tree ${version}, protocol/src/test/resources/golden/merkle/generate.mjs`,
  batches,
}));
