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
/** Receipt format 2 (docs/receipts.md): nests Receipt; model names and provider signed as keccak256 of their UTF-8. */
export const receiptV2Types = {
  ReceiptV2: struct([
    ['receipt', 'Receipt'], ['requestedModel', 'bytes32'], ['servedModel', 'bytes32'], ['provider', 'bytes32'],
    ['promptTokens', 'uint64'], ['completionTokens', 'uint64'], ['payer', 'address'], ['cumulativeAmount', 'uint256'],
    ['prevReceipt', 'bytes32'], ['attachmentsDigest', 'bytes32'],
  ]),
  Receipt: receiptTypes.Receipt,
};
export const voucherTypes = {
  Voucher: struct([['client', 'address'], ['node', 'address'], ['cumulativeAmount', 'uint256']]),
};
/** verification's uint8, indexed by its JSON name. */
export const MODES = ['none', 'tee', 'redundant', 'sample', 'optimistic'];
