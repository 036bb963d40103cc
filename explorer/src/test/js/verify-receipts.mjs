// Runs the explorer's in-browser verifier (static/verify.js) under Node with ethers from NODE_PATH, no DOM and
// no explorer (the inclusion lookup answers 404): node verify-receipts.mjs INPUT.json, where INPUT is
// {chain: {chainId, settlement}, receipts: [...]}. Prints [[{step, ok, detail}, ...], ...]. Used by VerifyJsTest.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import vm from 'node:vm';

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
globalThis.window = globalThis;
window.ethers = createRequire(join(resolve(process.env.NODE_PATH), 'noop.js'))('ethers');
globalThis.document = { readyState: 'complete', getElementById: () => null };
globalThis.fetch = async () => ({ status: 404 });
vm.runInThisContext(readFileSync(new URL('../../main/resources/io/verity/explorer/static/verify.js', import.meta.url), 'utf8'));
const out = [];
for (const r of input.receipts) out.push(await window.Verity.verifyReceipt(r, input.chain));
console.log(JSON.stringify(out));
