// Independent implementation of the verity-det/2 trace commitment with ethers v6 (see TraceProof Javadoc):
// chain(-1) = 0; chain(i) = keccak256(chain(i-1) ‖ d_i); leaf(i) = keccak256(abi.encode(uint256 i, bytes32 chain(i)));
// tree padded with bytes32(0) to a power of two; parent = keccak256(left ‖ right);
// root = keccak256(abi.encode(uint256 n, bytes32 treeRoot)).
// usage: node root.js 0xdigest0 0xdigest1 ...   prints the root
const { AbiCoder, keccak256, concat, ZeroHash } = require('ethers');
const abi = AbiCoder.defaultAbiCoder();
const ds = process.argv.slice(2);
let chain = ZeroHash;
let level = ds.map((d, i) => {
  chain = keccak256(concat([chain, d]));
  return keccak256(abi.encode(['uint256', 'bytes32'], [i, chain]));
});
let width = 1;
while (width < level.length) width *= 2;
while (level.length < width) level.push(ZeroHash);
while (level.length > 1) {
  const up = [];
  for (let i = 0; i < level.length; i += 2) up.push(keccak256(concat([level[i], level[i + 1]])));
  level = up;
}
console.log(keccak256(abi.encode(['uint256', 'bytes32'], [ds.length, level[0]])));
