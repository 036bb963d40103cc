// The TypeScript SDK catching a live model substitution (run by gateway's GatewaySubstitutionIT):
//   node sdk/js/live/substitution-live.mjs <node base URL, …/v1> <model> <chain id> <Settlement address> <payer>
// A provider-proxy node whose operator maps <model> to another upstream model answers the `openai` npm client
// directly: verifiedFetch must throw SUBSTITUTION, and accept the answer when the request allows a substitution.
// Prints one line `ok <json>` and exits 0, or exits 1 naming the failure.
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { verifiedFetch, VerityVerificationError } from '../src/index.js';

const [baseURL, model, chainId, settlement, payer] = process.argv.slice(2);
const openai = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0, timeout: 30_000, defaultHeaders: { 'Verity-Payer': payer },
  fetch: verifiedFetch(fetch, { chainId: Number(chainId), verifyingContract: settlement }) });
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
const allowed = await openai.withOptions({ defaultHeaders: { 'Verity-Payer': payer, 'Verity-Allow-Substitution': 'true' } })
  .chat.completions.create({ model, messages: [{ role: 'user', content: 'Hello' }], temperature: 0, max_tokens: 4 });
assert.equal(allowed.verity.receipt.requestedModel, model);
console.log('ok ' + JSON.stringify({ caughtBy: caught.check, reason: caught.reason, servedModel: allowed.verity.receipt.servedModel }));
