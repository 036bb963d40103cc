// The digests a receipt signs for an OpenAI-style answer (docs/llm.md, "Digests"; io.verity.llm.ChatDigests):
// keccak256 over the RFC 8785 (JCS) form of one JSON object.
import { keccak256, stringToBytes } from 'viem';

/**
 * RFC 8785: object members sorted by UTF-16 code units, no whitespace; JSON.stringify already writes strings
 * and numbers exactly as JCS requires (ECMAScript number serialization).
 */
export function jcs(v) {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new TypeError(`JCS has no form for ${v}`);
    if (typeof v === 'string' && !v.isWellFormed()) throw new TypeError('JCS refuses a lone surrogate');
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map(jcs).join(',')}]`;
  return `{${Object.keys(v).filter((k) => v[k] !== undefined).sort()
      .map((k) => `${jcs(k)}:${jcs(v[k])}`).join(',')}}`;
}

const TRANSPORT_FIELDS = ['stream', 'stream_options'];

/** requestDigest: the body as sent, less the transport fields and the gateway-only `verity` member. */
export function requestDigest(path, body, applied) {
  const request = { ...body };
  for (const f of [...TRANSPORT_FIELDS, 'verity']) delete request[f];
  return keccak256(stringToBytes(jcs({ kind: 'verity/openai-request/v1', path, request, applied })));
}

/** responseDigest of a chat.completion or text_completion object (or one rebuilt from stream chunks). */
export function responseDigest(response) {
  const choices = (response.choices ?? []).map((c) => {
    const choice = { index: c.index ?? null };
    if ('message' in c) choice.message = c.message;
    if ('text' in c) choice.text = c.text;
    choice.finish_reason = c.finish_reason ?? null;
    return choice;
  });
  const u = response.usage ?? {};
  const usage = {};
  for (const f of ['prompt_tokens', 'completion_tokens', 'total_tokens']) usage[f] = u[f] ?? null;
  return keccak256(stringToBytes(jcs({ kind: 'verity/openai-response/v1', choices, usage })));
}

/** The whole answer a stream adds up to, as ChatDigests.answerFromChunks rebuilds it. */
export function answerFromChunks(chunks, chat) {
  const content = new Map();
  const calls = new Map();
  const finish = new Map();
  let usage = null;
  for (const chunk of chunks) {
    if (chunk.usage != null) usage = chunk.usage;
    for (const c of chunk.choices ?? []) {
      const index = Number.isInteger(c.index) ? c.index : 0;
      if (!content.has(index)) content.set(index, '');
      if (chat) {
        content.set(index, content.get(index) + (typeof c.delta?.content === 'string' ? c.delta.content : ''));
        for (const tc of c.delta?.tool_calls ?? []) {
          if (!calls.has(index)) calls.set(index, new Map());
          mergeToolCall(calls.get(index), tc);
        }
      } else {
        content.set(index, content.get(index) + (typeof c.text === 'string' ? c.text : ''));
      }
      if (typeof c.finish_reason === 'string') finish.set(index, c.finish_reason);
    }
  }
  if (content.size === 0) content.set(0, '');
  const choices = [...content.keys()].sort((a, b) => a - b).map((index) => {
    const choice = { index };
    const byIndex = calls.get(index);
    if (chat && byIndex?.size) {
      const toolCalls = [...byIndex.keys()].sort((a, b) => a - b).map((k) => byIndex.get(k));
      choice.message = { role: 'assistant', content: null, refusal: null, tool_calls: toolCalls };
    } else if (chat) {
      choice.message = { role: 'assistant', content: content.get(index), refusal: null };
    } else {
      choice.text = content.get(index);
    }
    choice.finish_reason = finish.get(index) ?? null;
    return choice;
  });
  return { choices, usage };
}

function mergeToolCall(byIndex, delta) {
  const at = Number.isInteger(delta.index) ? delta.index : byIndex.size;
  const call = byIndex.get(at);
  if (!call) {
    const copy = structuredClone(delta);
    delete copy.index;
    byIndex.set(at, copy);
    return;
  }
  for (const f of ['id', 'type']) if (call[f] == null && delta[f] != null) call[f] = delta[f];
  const fn = delta.function;
  if (fn && typeof fn === 'object' && !Array.isArray(fn)) {
    if (!call.function || typeof call.function !== 'object') call.function = {};
    if (call.function.name == null && fn.name != null) call.function.name = fn.name;
    if (fn.arguments != null) call.function.arguments = String(call.function.arguments ?? '') + String(fn.arguments);
  }
}
