// Reads a JSON array of Verity receipt JSON objects on stdin; for each prints what ethers makes of it:
// {recovered: verifyTypedData(domain, types, value, signature), id: TypedDataEncoder.hash(domain, types, value)}.
// Used by ReceiptEthersInteropTest; run with NODE_PATH=tools/node/node_modules.
import { readFileSync } from 'node:fs';
import { ethers, MODES, receiptTypes as types } from './verity-eip712.mjs';

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
