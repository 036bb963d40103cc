// The TypeScript SDK catching a live model substitution (run by gateway's GatewaySubstitutionIT):
//   VERITY_PAYER_KEY=0x… node sdk/js/live/substitution-live.mjs <node base URL, …/v1> <model> <chain id> <Settlement address> <node address>
// A provider-proxy node whose operator maps <model> to another upstream model answers the `openai` npm client
// directly: verifiedFetch must throw SUBSTITUTION, and accept the answer when the request allows a substitution.
// Prints one line `ok <json>` and exits 0, or exits 1 naming the failure.
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { privateKeyToAccount } from 'viem/accounts';
import { payingFetch, verifiedFetch, VerityVerificationError } from '../src/index.js';

const [baseURL, model, chainId, settlement, node] = process.argv.slice(2);
// the payer's key from the environment, never the command line; each request is signed for this node
const account = privateKeyToAccount(process.env.VERITY_PAYER_KEY);
const openai = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0, timeout: 30_000,
  fetch: verifiedFetch(payingFetch(fetch, { account, node }), { chainId: Number(chainId), verifyingContract: settlement }) });
const ask = () => openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hello' }], temperature: 0, max_tokens: 4 });

let caught = null;
try {
  await ask();
} catch (e) {
  let cause = e;
  while (cause && !(cause instanceof VerityVerificationError)) cause = cause.cause;
  assert.ok(cause, `expected a VerityVerificationError, got ${e}`);
  caught = cause;
}
assert.equal(caught?.check, 'SUBSTITUTION', 'a substituted model is refused');
// Straight to a node the body's gateway member `verity` would be digested by the node: the header says the same.
const allowed = await openai.withOptions({ defaultHeaders: { 'Verity-Allow-Substitution': 'true' } })
  .chat.completions.create({ model, messages: [{ role: 'user', content: 'Hello' }], temperature: 0, max_tokens: 4 });
assert.equal(allowed.verity.receipt.requestedModel, model);
console.log('ok ' + JSON.stringify({ caughtBy: caught.check, reason: caught.reason, servedModel: allowed.verity.receipt.servedModel }));
