// The TypeScript SDK against a live Verity network (run by gateway's SdkJsIT):
//   node sdk/js/live/openai-live.mjs <gateway base URL, …/v1> <model> <chain RPC URL> <Settlement address>
// The `openai` npm client with verifiedFetch chats, streams and completes text through the gateway; a man in the middle that
// changes the answer is caught; the receipt's batch proof, served by the gateway, checks against Settlement.
// Prints one line `ok <json>` and exits 0, or exits 1 naming the failure.
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { createPublicClient, http } from 'viem';
import { verifiedFetch, checkInclusion, VerityVerificationError } from '../src/index.js';

const [baseURL, model, rpc, settlement] = process.argv.slice(2);
const publicClient = createPublicClient({ transport: http(rpc) });
const chainId = await publicClient.getChainId();
const verified = [];
const trust = { chainId, verifyingContract: settlement, onVerified: (a) => verified.push(a) };
const openai = (fetchImpl = fetch) => new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0, timeout: 30_000, fetch: verifiedFetch(fetchImpl, trust) });
const messages = [{ role: 'user', content: 'Hello' }];

const chat = await openai().chat.completions.create({ model, messages, temperature: 0, max_tokens: 8 });
assert.ok(chat.choices[0].message.content.length > 0, 'the chat has content');
const receipt = chat.verity.receipt;
// receipt v2, signed by the Java node and verified above by this SDK: what was asked, what served, the usage
assert.equal(receipt.version, 2, 'the node signs receipt v2');
assert.equal(receipt.requestedModel, model);
assert.equal(receipt.servedModel, model);
assert.equal(receipt.completionTokens, chat.usage.completion_tokens);

let streamed = '';
for await (const chunk of await openai().chat.completions.create({ model, messages, temperature: 0, max_tokens: 8, stream: true })) {
  streamed += chunk.choices[0]?.delta?.content ?? '';
}
assert.equal(streamed, chat.choices[0].message.content, 'a greedy stream says what the chat said');
const completion = await openai().completions.create({ model, prompt: 'Hello', temperature: 0, max_tokens: 8 });
assert.ok(completion.choices[0].text.length > 0, 'the text completion has text');
assert.equal(verified.length, 3);

// A man in the middle rewrites the answer: the client must not see it.
const tampering = async (url, init) => {
  const r = await fetch(url, init);
  const body = JSON.parse(await r.text());
  body.choices[0].message.content = 'I am not what the node said';
  return new Response(JSON.stringify(body), { status: r.status, headers: r.headers });
};
let caught = null;
try {
  await openai(tampering).chat.completions.create({ model, messages, temperature: 0, max_tokens: 8 });
} catch (e) {
  for (let c = e; c; c = c.cause) if (c instanceof VerityVerificationError) caught = c.check;
}
assert.equal(caught, 'OUTPUTS_DIGEST', 'a changed answer is refused');

// Settlement: wait (bounded) for the node's batch, then check the proof against the chain.
const proofUrl = new URL(`receipts/${receipt.id}/proof?node=${receipt.node}`, baseURL.endsWith('/') ? baseURL : baseURL + '/');
let proof = null;
for (const deadline = Date.now() + 30_000; !proof && Date.now() < deadline;) {
  const r = await fetch(proofUrl);
  if (r.ok) proof = await r.json();
  else await new Promise((res) => setTimeout(res, 250)); // polling a condition, not waiting for time to pass
}
assert.ok(proof, `no inclusion proof at ${proofUrl} within 30 s`);
const inclusion = await checkInclusion(receipt, proof, { publicClient, settlementAddress: settlement });
assert.equal(inclusion.ok, true, inclusion.reason);
const wrongBatch = await checkInclusion(receipt, { ...proof, batchId: Number(proof.batchId) + 1000 }, { publicClient, settlementAddress: settlement });
assert.equal(wrongBatch.check, 'BATCH');
const wrongProof = await checkInclusion(receipt, { ...proof, proof: [...proof.proof, receipt.id] }, { publicClient, settlementAddress: settlement });
assert.equal(wrongProof.check, 'PROOF');

console.log('ok ' + JSON.stringify({
  receiptId: receipt.id, node: receipt.node, content: chat.choices[0].message.content, verifiedAnswers: verified.length,
  tamperedCaughtBy: caught, batchId: String(inclusion.batchId), blockNumber: String(inclusion.blockNumber),
}));
