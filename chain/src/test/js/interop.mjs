// Independent check of Verity's settlement with other people's code: viem reads the BatchCommitted event
// and calls Settlement.isIncluded, @openzeppelin/merkle-tree rebuilds the batch root and proofs, ethers
// verifies the receipts' and a voucher's EIP-712 signatures. Run by InteropIT:
//   node interop.mjs <input.json> <node_modules dir>
// Prints one JSON object with what these libraries computed; the Java test compares it with its own.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const [inputFile, nodeModules] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(nodeModules), 'noop.js'));
const { createPublicClient, http, parseAbiItem } = require('viem');
const { StandardMerkleTree } = require('@openzeppelin/merkle-tree');
process.env.NODE_PATH = nodeModules; // the protocol's EIP-712 types load ethers from there
const { ethers, receiptTypes, voucherTypes, MODES } = await import('../../../../protocol/src/test/js/verity-eip712.mjs');

const input = JSON.parse(fs.readFileSync(inputFile, 'utf8'));
const client = createPublicClient({ transport: http(input.rpc) });

const logs = await client.getLogs({
  address: input.settlement,
  event: parseAbiItem('event BatchCommitted(uint256 indexed batchId, address indexed node, bytes32 indexed root, uint64 count, string uri)'),
  fromBlock: 0n,
});
const batch = logs.find(l => l.args.batchId === BigInt(input.batchId));
if (!batch) throw new Error(`no BatchCommitted event for batch ${input.batchId}`);

const domain = { name: 'Verity', version: '1', chainId: input.chainId, verifyingContract: input.settlement };

const ids = [];
const signers = [];
for (const r of input.receipts) { // the receipt JSON of docs/protocol.md; ethers reads only the struct's fields
  if (r.domain.verifyingContract !== input.settlement) throw new Error(`receipt signed for ${r.domain.verifyingContract}`);
  const value = { ...r, verification: MODES.indexOf(r.verification), price: BigInt(r.price), timestamp: BigInt(r.timestamp) };
  ids.push(ethers.TypedDataEncoder.hash(domain, receiptTypes, value));
  signers.push(ethers.verifyTypedData(domain, receiptTypes, value, r.signature));
}

const tree = StandardMerkleTree.of(ids.map(id => [id]), ['bytes32']);
const isIncluded = parseAbiItem('function isIncluded(uint256 batchId, bytes32 id, bytes32[] proof) view returns (bool)');
const proofs = [];
const included = [];
for (const id of ids) {
  const proof = tree.getProof([id]);
  proofs.push(proof);
  included.push(await client.readContract({
    address: input.settlement, abi: [isIncluded], functionName: 'isIncluded', args: [BigInt(input.batchId), id, proof],
  }));
}

const v = input.voucher;
const voucherSigner = ethers.verifyTypedData(
  { name: 'Verity', version: '1', chainId: input.chainId, verifyingContract: input.payments },
  voucherTypes, { client: v.client, node: v.node, cumulativeAmount: BigInt(v.cumulativeAmount) }, v.signature);

console.log(JSON.stringify({
  eventNode: batch.args.node, eventRoot: batch.args.root, eventCount: Number(batch.args.count), eventUri: batch.args.uri,
  treeRoot: tree.root, ids, signers, proofs, included, voucherSigner,
}));
