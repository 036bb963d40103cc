// RFC 8785 (JCS), the canonical form under both digests of an OpenAI answer: the RFC's own examples (Java's
// Jcs is tested against the same ones; SdkJsIT proves the digests agree with a live Java node).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jcs, answerFromChunks, responseDigest } from '../src/index.js';

test('members sort by UTF-16 code units (RFC 8785 section 3.2.3)', () => {
  const input = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', 1: 'One',
    '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
  const out = jcs(input); // (Object.keys would put the integer-like "1" first whatever the text says)
  const at = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'].map((k) => out.indexOf(JSON.stringify(k) + ':'));
  assert.ok(at.every((p, i) => p > 0 && (i === 0 || p > at[i - 1])), out);
});

test('numbers, literals and strings serialize as RFC 8785 section 3.2.2 shows', () => {
  const input = { numbers: [333333333.33333329, 1e30, 4.50, 2e-3, 0.000000000000000000000000001],
    string: '\u20ac$\u000f\u000aA\'\u0042\u0022\u005c\\"/', literals: [null, true, false] };
  assert.equal(jcs(input), '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
      + '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
  assert.throws(() => jcs({ x: NaN }), /JCS has no form/);
  assert.throws(() => jcs({ x: '\ud800' }), /lone surrogate/);
});

test('a stream rebuilt from its chunks digests like the whole answer, tool calls merged by index', () => {
  const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };
  const call = { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } };
  const whole = { choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: null, tool_calls: [call] }, finish_reason: 'tool_calls' }], usage };
  const chunks = [
    { choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] },
    { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a"' } }] } }] },
    { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }, finish_reason: 'tool_calls' }] },
    { choices: [], usage },
  ];
  assert.equal(responseDigest(answerFromChunks(chunks, true)), responseDigest(whole));
});
