// Checks a Verity receipt with ethers alone (no Verity code): the EIP-712 signature must recover the
// receipt's node address, and the id must be the typed-data hash.
//   node tools/verify-receipt.mjs RECEIPT.json   (a receipt, or a saved response {outputs, receipt})
// ethers comes from tools/node/node_modules, which ./verity installs.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
const require = createRequire(new URL("./node/package.json", import.meta.url)); // tools/node/node_modules
const { verifyTypedData, TypedDataEncoder } = require("ethers");

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
const modes = { none: 0, tee: 1, redundant: 2, sample: 3, optimistic: 4 };
const value = { ...r, verification: modes[r.verification], price: BigInt(r.price), timestamp: BigInt(r.timestamp) };
const signer = verifyTypedData(r.domain, types, value, r.signature);
const id = TypedDataEncoder.hash(r.domain, types, value);
const ok = signer.toLowerCase() === r.node.toLowerCase() && id === r.id;
console.log(`ethers: signer ${signer}, id ${id} -> ${ok ? "valid" : "INVALID"}`);
process.exit(ok ? 0 : 1);
