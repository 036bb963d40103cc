// Runs the official `openai` npm client, unchanged, against a Verity node or gateway: chat, streaming, JSON
// mode, a tool call and an error. Prints one JSON line with what it saw, for OpenAiNpmIT to check.
//   node tools/openai-client-check.mjs BASE_URL MODEL      (BASE_URL like http://127.0.0.1:7071/v1)
// openai comes from tools/node/node_modules, or VERITY_OPENAI_NPM_DIR (tools/openai-npm.mjs).
import { verityClient } from "./openai-npm.mjs";

const [baseURL, model] = process.argv.slice(2);
const client = verityClient(baseURL);
const messages = [{ role: "system", content: "be brief" }, { role: "user", content: "Hello" }];
const out = {};

const chat = await client.chat.completions.create({ model, messages, temperature: 0, max_tokens: 12 });
out.chat = { content: chat.choices[0].message.content, finish: chat.choices[0].finish_reason, usage: chat.usage,
  verity: chat.verity };

const stream = await client.chat.completions.create({ model, messages, temperature: 0, max_tokens: 12, stream: true });
let content = "", last;
for await (const chunk of stream) {
  for (const c of chunk.choices) content += c.delta?.content ?? "";
  last = chunk;
}
out.stream = { content, verity: last.verity, usage: last.usage };

const json = await client.chat.completions.create({ model, messages: [{ role: "user", content: "json please" }],
  temperature: 0, max_tokens: 16, response_format: { type: "json_object" } });
out.json = { content: json.choices[0].message.content };

const tools = [{ type: "function", function: { name: "get_weather", description: "Weather in a city",
  parameters: { type: "object", properties: { city: { type: "string", maxLength: 6 } }, required: ["city"] } } }];
const called = await client.chat.completions.create({ model, messages: [{ role: "user", content: "Weather in Paris?" }],
  temperature: 0, max_tokens: 200, tools, tool_choice: "required" });
const call = called.choices[0].message.tool_calls?.[0];
out.tools = { finish: called.choices[0].finish_reason, name: call?.function.name, arguments: call?.function.arguments };

try {
  await client.chat.completions.create({ model: "no-such-model", messages });
  out.error = { thrown: false };
} catch (e) {
  out.error = { thrown: true, name: e.constructor.name, status: e.status, code: e.code, param: e.param,
    message: e.message };
}
console.log(JSON.stringify(out));
