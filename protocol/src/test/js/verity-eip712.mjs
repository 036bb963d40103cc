// The EIP-712 types of docs/protocol.md as ethers takes them, and ethers itself from NODE_PATH: one copy for
// the golden-vector generators (src/test/resources/golden/*/generate.mjs), eip712-check.mjs and chain's interop.mjs.
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

if (!process.env.NODE_PATH) throw new Error('set NODE_PATH to tools/node/node_modules');
export const { ethers } = createRequire(join(resolve(process.env.NODE_PATH), 'noop.js'))('ethers');

const struct = (fields) => fields.map(([name, type]) => ({ name, type }));
export const receiptTypes = {
  Receipt: struct([
    ['version', 'uint16'], ['requestId', 'bytes32'], ['modelDigest', 'bytes32'], ['engine', 'string'],
    ['inputsDigest', 'bytes32'], ['outputsDigest', 'bytes32'], ['traceRoot', 'bytes32'], ['node', 'address'],
    ['attestationDigest', 'bytes32'], ['verification', 'uint8'], ['price', 'uint256'], ['timestamp', 'uint64'],
  ]),
};
export const voucherTypes = {
  Voucher: struct([['client', 'address'], ['node', 'address'], ['cumulativeAmount', 'uint256']]),
};
/** verification's uint8, indexed by its JSON name. */
export const MODES = ['none', 'tee', 'redundant', 'sample', 'optimistic'];
