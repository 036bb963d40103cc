// Reads a JSON array of Verity receipt JSON objects on stdin; for each prints what ethers makes of it:
// {recovered: verifyTypedData(domain, types, value, signature), id: TypedDataEncoder.hash(domain, types, value)}.
// Used by ReceiptEthersInteropTest; run with NODE_PATH=tools/node/node_modules.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';

if (!process.env.NODE_PATH) throw new Error('set NODE_PATH to tools/node/node_modules');
const require = createRequire(join(process.env.NODE_PATH, 'noop.js'));
const { ethers } = require('ethers');

const types = {
  Receipt: [
    { name: 'version', type: 'uint16' },
    { name: 'requestId', type: 'bytes32' },
    { name: 'modelDigest', type: 'bytes32' },
    { name: 'engine', type: 'string' },
    { name: 'inputsDigest', type: 'bytes32' },
    { name: 'outputsDigest', type: 'bytes32' },
    { name: 'traceRoot', type: 'bytes32' },
    { name: 'node', type: 'address' },
    { name: 'attestationDigest', type: 'bytes32' },
    { name: 'verification', type: 'uint8' },
    { name: 'price', type: 'uint256' },
    { name: 'timestamp', type: 'uint64' },
  ],
};
const MODES = ['none', 'tee', 'redundant', 'sample', 'optimistic'];

const out = [];
for (const r of JSON.parse(readFileSync(0, 'utf8'))) {
  const code = MODES.indexOf(r.verification);
  if (code < 0) throw new Error(`unknown verification ${r.verification}`);
  const value = { ...r, verification: code, price: BigInteger(r.price), timestamp: BigInt(r.timestamp) };
  out.push({
    recovered: ethers.verifyTypedData(r.domain, types, value, r.signature),
    id: ethers.TypedDataEncoder.hash(r.domain, types, value),
  });
}
console.log(JSON.stringify(out));

function BigInteger(decimal) {
  if (!/^[0-9]+$/.test(decimal)) throw new Error(`price must be a decimal string, got ${decimal}`);
  return BigInt(decimal);
}
