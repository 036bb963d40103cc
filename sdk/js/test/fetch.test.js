// verifiedFetch under the real `openai` client, against a loopback server that answers as a Verity node does
// (docs/llm.md: the `verity` object, a receipt signed with a public dev key). The digests' agreement with the
// Java node is proven by the live test (gateway SdkJsIT); here: plumbing and that every tampering throws.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import OpenAI from 'openai';
import { privateKeyToAccount } from 'viem/accounts';
import { verifiedFetch, requestDigest, responseDigest, RECEIPT_FORMATS, verityDomain, VerityVerificationError } from '../src/index.js';

const account = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'); // anvil dev key 1
const second = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a'); // anvil dev key 2
const DOMAIN = verityDomain(31337, '0x5FbDB2315678afecb367f032d93F642f64180aa3');
const APPLIED = { model_digest: '0x' + 'ab'.repeat(32), engine: 'test/1/cpu', temperature: 0, seed: 0 };
let tamper = null; // how the next answer is spoiled, or null
let server;
let baseURL;

/** Receipt v2 for `tamper` 'v2' (served as asked) and 'swapped' (the upstream served another model). */
const v2 = (request) => tamper === 'v2' || tamper === 'swapped' ? {
  version: 2, requestedModel: request.model, servedModel: tamper === 'swapped' ? 'gpt-3.5-turbo' : `${request.model}-2024-07-18`,
  provider: 'https://api.example.com/v1', promptTokens: 5, completionTokens: 2, payer: second.address,
  cumulativeAmount: '7000', prevReceipt: '0x' + '00'.repeat(32), attachmentsDigest: '0x' + '00'.repeat(32),
} : {};

async function sign(request, answer, signer = account) {
  const extra = v2(request);
  const format = RECEIPT_FORMATS[extra.version ?? 1];
  const receipt = {
    version: 1, requestId: '0x' + '01'.repeat(32), modelDigest: APPLIED.model_digest, engine: APPLIED.engine,
    inputsDigest: requestDigest('/v1/chat/completions', request, APPLIED), outputsDigest: responseDigest(answer),
    traceRoot: '0x' + '00'.repeat(32), node: signer.address, attestationDigest: '0x' + '00'.repeat(32),
    verification: 'none', price: '1000', timestamp: 1764000000000, domain: DOMAIN, ...extra,
  };
  const signature = await signer.signTypedData({ domain: DOMAIN, types: format.types, primaryType: format.primaryType, message: format.message(receipt) });
  return { ...receipt, signature };
}

before(async () => {
  server = createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    const request = JSON.parse(body);
    const message = { role: 'assistant', content: 'Paris.', refusal: null };
    const answer = { id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: request.model,
      choices: [{ index: 0, message, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } };
    const receipt = await sign(request, answer);
    const verity = { receipt, applied: APPLIED, requestDigest: receipt.inputsDigest, responseDigest: receipt.outputsDigest,
      verdict: { status: 'single' } };
    if (String(req.headers['verity-policy']).startsWith('redundant') && tamper !== 'one-word') { // two nodes agree
      verity.receipts = [receipt, await sign(request, answer, tamper === 'same-node' ? account : second)];
      verity.verdict = { status: 'agreed' };
    }
    if (tamper === 'content') message.content = 'Lyon.';
    if (tamper === 'signature') receipt.price = '1';
    if (request.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (o) => res.write(`data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: request.model, ...o })}\n\n`);
      chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
      chunk({ choices: [{ index: 0, delta: { content: 'Par' }, finish_reason: null }] });
      chunk({ choices: [{ index: 0, delta: { content: tamper === 'content' ? 'is!' : 'is.' }, finish_reason: 'stop' }] });
      chunk({ choices: [], usage: answer.usage, ...(tamper === 'missing' ? {} : { verity }) });
      res.end('data: [DONE]\n\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(tamper === 'missing' ? answer : { ...answer, verity }));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  baseURL = `http://127.0.0.1:${server.address().port}/v1`;
});
after(() => { server.closeAllConnections(); server.close(); });

const client = (opts = { domain: DOMAIN }) => new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0, fetch: verifiedFetch(fetch, opts) });
const ask = (c, stream = false) => c.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Capital of France?' }], temperature: 0, stream });

async function rejects(promise, check) {
  await assert.rejects(promise, (e) => {
    let cause = e;
    while (cause && !(cause instanceof VerityVerificationError)) cause = cause.cause;
    assert.ok(cause, `expected a VerityVerificationError, got ${e}`);
    assert.equal(cause.check, check, cause.message);
    return true;
  });
}

test('a verified answer reaches the openai client unchanged, streamed or not', async () => {
  tamper = null;
  const verified = [];
  const c = client({ domain: DOMAIN, onVerified: (a) => verified.push(a) });
  const answer = await ask(c);
  assert.equal(answer.choices[0].message.content, 'Paris.');
  assert.equal(answer.verity.receipt.node, account.address);
  let text = '';
  for await (const chunk of await ask(c, true)) text += chunk.choices[0]?.delta?.content ?? '';
  assert.equal(text, 'Paris.');
  assert.equal(verified.length, 2);
  assert.equal(verified[0].requestDigest, verified[1].requestDigest); // stream and stream_options are not digested
});

test('an answer without a receipt, with changed content or a broken signature throws, streamed or not', async () => {
  for (const stream of [false, true]) {
    tamper = 'missing';
    await rejects(ask(client(), stream), 'RECEIPT_MISSING');
    tamper = 'content';
    await rejects(ask(client(), stream), 'OUTPUTS_DIGEST');
    tamper = 'signature';
    await rejects(ask(client(), stream), 'SIGNER');
  }
  tamper = null;
  await rejects(ask(client({ chainId: 1, verifyingContract: DOMAIN.verifyingContract })), 'DOMAIN');
});

test('a receipt for another request or another request id throws', async () => {
  tamper = null;
  const c = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0, fetch: verifiedFetch(async (url, init) => {
    const sent = JSON.parse(init.body);
    return fetch(url, { ...init, body: JSON.stringify({ ...sent, temperature: 1 }) }); // a man in the middle
  }, { domain: DOMAIN }) });
  await rejects(ask(c), 'INPUTS_DIGEST');
  const other = c.withOptions({ fetch: verifiedFetch(fetch, { domain: DOMAIN }), defaultHeaders: { 'Verity-Request-Id': '0x' + '02'.repeat(32) } });
  await rejects(ask(other), 'REQUEST_ID');
});

test('an answer must be what the asked policy promises: redundant:2 needs two receipts of distinct nodes', async () => {
  const redundant = (c) => c.withOptions({ defaultHeaders: { 'Verity-Policy': 'redundant:2' } });
  tamper = null;
  const verified = [];
  const answer = await ask(redundant(client({ domain: DOMAIN, onVerified: (a) => verified.push(a) })));
  assert.equal(answer.choices[0].message.content, 'Paris.');
  assert.deepEqual(verified[0].receipts.map((r) => r.node), [account.address, second.address]);
  tamper = 'one-word';
  await rejects(ask(redundant(client())), 'POLICY');
  tamper = 'same-node';
  await rejects(ask(redundant(client())), 'DISTINCT_SIGNERS');
  tamper = null;
  await rejects(ask(client().withOptions({ defaultHeaders: { 'Verity-Policy': 'tee' } })), 'POLICY'); // no evidence digest
});

test('a v2 receipt served as asked (a dated snapshot) verifies; a substituted model throws SUBSTITUTION unless allowed', async () => {
  tamper = 'v2';
  const verified = [];
  const answer = await ask(client({ domain: DOMAIN, onVerified: (a) => verified.push(a) }));
  assert.equal(answer.choices[0].message.content, 'Paris.');
  assert.equal(verified[0].receipts[0].version, 2);
  assert.equal(verified[0].receipts[0].servedModel, 'm-2024-07-18');
  tamper = 'swapped';
  for (const stream of [false, true]) await rejects(ask(client(), stream), 'SUBSTITUTION');
  const allowing = await client().chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Capital of France?' }],
    temperature: 0, verity: { allow_substitution: true } });
  assert.equal(allowing.verity.receipt.servedModel, 'gpt-3.5-turbo');
  await ask(client().withOptions({ defaultHeaders: { 'Verity-Allow-Substitution': 'true' } })); // the header says the same
  tamper = 'v2';
  await rejects(ask(client().withOptions({ defaultHeaders: { 'Verity-Model-Digest': '0x' + 'cd'.repeat(32) } })), 'SUBSTITUTION');
  tamper = null;
});
