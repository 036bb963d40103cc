// A drop-in fetch for OpenAI clients that fails closed: an answer from a Verity gateway or node is handed to
// the client only when it carries receipts that verify and sign exactly this request and this answer
// (docs/llm.md: the `verity` object; the digests are ChatDigests').
import { verifyReceipt, substitutionProblem } from './receipt.js';
import { requestDigest, responseDigest, answerFromChunks } from './digests.js';

/** Thrown (by the fetch, so OpenAI clients wrap it as the `cause` of their connection error) when an answer does not verify. */
export class VerityVerificationError extends Error {
  constructor(check, reason, receipt) {
    super(`Verity answer failed ${check}: ${reason}`);
    this.name = 'VerityVerificationError';
    this.check = check;
    this.reason = reason;
    this.receipt = receipt;
  }
}

const ROUTES = [['/chat/completions', true], ['/completions', false]];

/**
 * @param {typeof fetch} [fetchImpl] the fetch to wrap (globalThis.fetch by default)
 * @param {{domain?: object, chainId?: number|bigint, verifyingContract?: string, onVerified?: Function}} [opts]
 *     the domain receipts must be signed under (recommended: your chain and Settlement contract); without
 *     one, any Verity v1 domain counts, but all receipts of one answer must share it
 */
export function verifiedFetch(fetchImpl = globalThis.fetch, opts = {}) {
  return async function fetchVerified(input, init = {}) {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const route = ROUTES.find(([suffix]) => url.pathname.endsWith(suffix));
    const method = (init.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    if (!route || method !== 'POST') return fetchImpl(input, init);
    const sentText = typeof init.body === 'string' ? init.body
        : input instanceof Request && init.body === undefined ? await input.clone().text() : null;
    if (sentText === null) throw new VerityVerificationError('REQUEST', 'the request body must be a JSON string to be digested');
    const sent = JSON.parse(sentText);
    const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
    const response = await fetchImpl(input, init);
    if (!response.ok) return response; // an error carries no answer: the client raises it as usual
    const text = await response.text();
    const [suffix, chat] = route;
    const path = `/v1${suffix}`;
    const streamed = sent.stream === true || (response.headers.get('content-type') ?? '').startsWith('text/event-stream');
    let answer;
    let verity;
    if (streamed) {
      const chunks = sseData(text);
      verity = chunks.findLast((c) => c.verity != null)?.verity;
      answer = answerFromChunks(chunks, chat);
    } else {
      answer = JSON.parse(text);
      verity = answer.verity;
    }
    const policy = sent.verity?.policy ?? headers.get('verity-policy'); // the member wins, as at the gateway
    const asked = askedModel(sent, headers);
    const verified = await checkAnswer({ path, sent, requestIdHeader: headers.get('verity-request-id'), policy, answer, verity, opts, asked });
    opts.onVerified?.(verified);
    return new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

/**
 * The model the request asked for: its `model`, pinned by `verity.model_digest` (or the Verity-Model-Digest
 * header), a substitution allowed by `verity.allow_substitution` (or Verity-Allow-Substitution: true).
 */
export function askedModel(sent, headers = new Headers()) {
  const v = sent.verity ?? {};
  return {
    model: sent.model,
    modelDigest: v.model_digest ?? headers.get('verity-model-digest'),
    allowSubstitution: v.allow_substitution ?? headers.get('verity-allow-substitution') === 'true',
  };
}

/** The JSON data events of a server-sent event stream, up to `[DONE]`. */
function sseData(text) {
  const chunks = [];
  for (const event of text.split(/\r?\n\r?\n/)) {
    const data = event.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
    if (data === '' ) continue;
    if (data === '[DONE]') break;
    chunks.push(JSON.parse(data));
  }
  return chunks;
}

/**
 * The checks of an OpenAI-style answer, in order; the first that fails throws. Everything is recomputed
 * from what the client holds: the body it sent, the request id it chose, the answer it received.
 */
export async function checkAnswer({ path, sent, requestIdHeader, policy, answer, verity, opts = {}, asked = askedModel(sent) }) {
  if (verity == null || typeof verity !== 'object' || verity.receipt == null) {
    throw new VerityVerificationError('RECEIPT_MISSING', 'the answer carries no verity.receipt');
  }
  const lead = verity.receipt;
  const receipts = Array.isArray(verity.receipts) && verity.receipts.length ? verity.receipts : [lead];
  const trust = opts.domain || opts.chainId != null ? { domain: opts.domain, chainId: opts.chainId, verifyingContract: opts.verifyingContract } : {};
  const ids = [];
  for (const r of [lead, ...receipts]) {
    const v = await verifyReceipt(r, trust);
    if (!v.ok) throw new VerityVerificationError(v.check, v.reason, r);
    ids.push(v.id);
    if (JSON.stringify(r.domain) !== JSON.stringify(lead.domain)) {
      throw new VerityVerificationError('DOMAIN', 'receipts of one answer are signed under different domains', r);
    }
  }
  if (!ids.slice(1).includes(ids[0])) {
    throw new VerityVerificationError('RECEIPT_MISSING', 'verity.receipt is not among verity.receipts', lead);
  }
  if (requestIdHeader != null) {
    for (const r of receipts) {
      if (r.requestId.toLowerCase() !== requestIdHeader.toLowerCase()) {
        throw new VerityVerificationError('REQUEST_ID', `receipt is for requestId ${r.requestId}, the client sent ${requestIdHeader}`, r);
      }
    }
  }
  const inputs = requestDigest(path, sent, verity.applied ?? null);
  const outputs = responseDigest(answer);
  const signers = new Set();
  for (const r of receipts) {
    if (r.inputsDigest.toLowerCase() !== inputs) {
      throw new VerityVerificationError('INPUTS_DIGEST', `receipt signed inputsDigest ${r.inputsDigest}, the request this client sent hashes to ${inputs}`, r);
    }
    if (r.outputsDigest.toLowerCase() !== outputs) {
      throw new VerityVerificationError('OUTPUTS_DIGEST', `receipt signed outputsDigest ${r.outputsDigest}, the answer received hashes to ${outputs}`, r);
    }
    if (r.modelDigest !== lead.modelDigest || r.requestId !== lead.requestId) {
      throw new VerityVerificationError('AGREEMENT', 'receipts of one answer name different models or requests', r);
    }
    const swapped = substitutionProblem(r, asked);
    if (swapped) throw new VerityVerificationError('SUBSTITUTION', swapped, r);
    const signer = r.node.toLowerCase();
    if (signers.has(signer)) throw new VerityVerificationError('DISTINCT_SIGNERS', `node ${r.node} signed more than one receipt`, r);
    signers.add(signer);
  }
  if (policy != null) checkPolicy(String(policy).trim(), receipts, verity.verdict);
  return { receipts, requestDigest: inputs, responseDigest: outputs, verdict: verity.verdict ?? null };
}

/** The answer is what the asked policy promises (Java's AnswerChecks): a gateway that answers redundant:2 with one node's word has not done what it was asked. */
function checkPolicy(policy, receipts, verdict) {
  const n = receipts.length;
  const status = verdict?.status;
  const redundant = /^redundant:(\d+)$/.exec(policy);
  if (redundant) {
    const k = Number(redundant[1]);
    const quorum = Math.floor(k / 2) + 1;
    if (n < quorum || n > k) throw new VerityVerificationError('POLICY', `${policy} needs between ${quorum} and ${k} agreeing receipts, got ${n}`);
    if (status !== 'agreed' && status !== 'majority') throw new VerityVerificationError('POLICY', `verdict.status ${status} does not fit policy ${policy}`);
    return;
  }
  if (n !== 1) throw new VerityVerificationError('POLICY', `${policy} is answered by one node, got ${n} receipts`);
  if (policy === 'tee' && /^0x0{64}$/.test(receipts[0].attestationDigest)) {
    throw new VerityVerificationError('POLICY', "policy tee but the receipt's attestationDigest is zero (no evidence)", receipts[0]);
  }
}
