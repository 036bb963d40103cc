// The EIP-712 Receipt type as ethers sees it, shared by the interop check and the golden-vector generator so
// both encode the one struct Verity signs (protocol's Eip712 is checked against them, not against itself).
import { createRequire } from 'node:module';
import { join } from 'node:path';

if (!process.env.NODE_PATH) throw new Error('set NODE_PATH to tools/node/node_modules');
const require = createRequire(join(process.env.NODE_PATH, 'noop.js'));
export const { ethers } = require('ethers');

export const types = {
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
// VerificationMode's codes, in order
export const MODES = ['none', 'tee', 'redundant', 'sample', 'optimistic'];
