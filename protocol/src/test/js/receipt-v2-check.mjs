// Reads a JSON array of Verity v2 receipt JSON objects on stdin; for each prints what viem and ethers make of it:
// {viemId: hashTypedData, viemSigner: recoverTypedDataAddress, ethersId: TypedDataEncoder.hash, ethersSigner:
// verifyTypedData}. The v2 message is built here from the JSON independently of Java: the nested v1 Receipt,
// strings hashed as keccak256 of their UTF-8. Used by ReceiptV2InteropTest; run with NODE_PATH=tools/node/node_modules.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { ethers, MODES, receiptV2Types as types } from './verity-eip712.mjs';

const viem = createRequire(join(resolve(process.env.NODE_PATH), 'noop.js'))('viem');
const text = (s) => viem.keccak256(viem.stringToBytes(s));

const out = [];
for (const r of JSON.parse(readFileSync(0, 'utf8'))) {
  if (r.version !== 2) throw new Error(`expected a version 2 receipt, got ${r.version}`);
  const message = {
    receipt: {
      version: r.version, requestId: r.requestId, modelDigest: r.modelDigest, engine: r.engine,
      inputsDigest: r.inputsDigest, outputsDigest: r.outputsDigest, traceRoot: r.traceRoot, node: r.node,
      attestationDigest: r.attestationDigest, verification: MODES.indexOf(r.verification), price: BigInt(r.price),
      timestamp: BigInt(r.timestamp),
    },
    requestedModel: text(r.requestedModel), servedModel: text(r.servedModel), provider: text(r.provider),
    promptTokens: BigInt(r.promptTokens), completionTokens: BigInt(r.completionTokens), payer: r.payer,
    cumulativeAmount: BigInt(r.cumulativeAmount), prevReceipt: r.prevReceipt, attachmentsDigest: r.attachmentsDigest,
  };
  const domain = { ...r.domain, chainId: BigInt(r.domain.chainId) };
  const typed = { domain, types, primaryType: 'ReceiptV2', message };
  out.push({
    viemId: viem.hashTypedData(typed),
    viemSigner: await viem.recoverTypedDataAddress({ ...typed, signature: r.signature }),
    ethersId: ethers.TypedDataEncoder.hash(r.domain, types, message),
    ethersSigner: ethers.verifyTypedData(r.domain, types, message, r.signature),
  });
}
console.log(JSON.stringify(out));
