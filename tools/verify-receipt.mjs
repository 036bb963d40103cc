// Checks a Verity receipt with ethers alone (no Verity code): the EIP-712 signature must recover the
// receipt's node address, and the id must be the typed-data hash.
//   node tools/verify-receipt.mjs RECEIPT.json   (a receipt, or a saved response {outputs, receipt})
// ethers comes from tools/node/node_modules, which ./verity installs.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
const require = createRequire(new URL("./node/package.json", import.meta.url)); // tools/node/node_modules
const { verifyTypedData, TypedDataEncoder, keccak256, toUtf8Bytes } = require("ethers");

const doc = JSON.parse(readFileSync(process.argv[2], "utf8"));
const r = doc.receipt ?? doc;
const types = {
  Receipt: [
    { name: "version", type: "uint16" }, { name: "requestId", type: "bytes32" },
    { name: "modelDigest", type: "bytes32" }, { name: "engine", type: "string" },
    { name: "inputsDigest", type: "bytes32" }, { name: "outputsDigest", type: "bytes32" },
    { name: "traceRoot", type: "bytes32" }, { name: "node", type: "address" },
    { name: "attestationDigest", type: "bytes32" }, { name: "verification", type: "uint8" },
    { name: "price", type: "uint256" }, { name: "timestamp", type: "uint64" },
  ],
};
// Receipt format 2 (docs/receipts.md) nests the v1 struct; its model names and provider are signed as keccak256 of UTF-8.
const typesV2 = {
  Receipt: types.Receipt,
  ReceiptV2: [
    { name: "receipt", type: "Receipt" }, { name: "requestedModel", type: "bytes32" },
    { name: "servedModel", type: "bytes32" }, { name: "provider", type: "bytes32" },
    { name: "promptTokens", type: "uint64" }, { name: "completionTokens", type: "uint64" },
    { name: "payer", type: "address" }, { name: "cumulativeAmount", type: "uint256" },
    { name: "prevReceipt", type: "bytes32" }, { name: "attachmentsDigest", type: "bytes32" },
  ],
};
const modes = { none: 0, tee: 1, redundant: 2, sample: 3, optimistic: 4 };
const v1 = {
  version: r.version, requestId: r.requestId, modelDigest: r.modelDigest, engine: r.engine, inputsDigest: r.inputsDigest,
  outputsDigest: r.outputsDigest, traceRoot: r.traceRoot, node: r.node, attestationDigest: r.attestationDigest,
  verification: modes[r.verification], price: BigInt(r.price), timestamp: BigInt(r.timestamp),
};
const text = (s) => keccak256(toUtf8Bytes(s));
const value = r.version !== 2 ? v1 : {
  receipt: v1, requestedModel: text(r.requestedModel), servedModel: text(r.servedModel), provider: text(r.provider),
  promptTokens: BigInt(r.promptTokens), completionTokens: BigInt(r.completionTokens), payer: r.payer,
  cumulativeAmount: BigInt(r.cumulativeAmount), prevReceipt: r.prevReceipt, attachmentsDigest: r.attachmentsDigest,
};
const t = r.version === 2 ? typesV2 : types;
const signer = verifyTypedData(r.domain, t, value, r.signature);
const id = TypedDataEncoder.hash(r.domain, t, value);
const ok = signer.toLowerCase() === r.node.toLowerCase() && id === r.id;
console.log(`ethers: signer ${signer}, id ${id} -> ${ok ? "valid" : "INVALID"}`);
process.exit(ok ? 0 : 1);
