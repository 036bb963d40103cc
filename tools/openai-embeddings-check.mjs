// Runs the official `openai` npm client, unchanged, against a Verity node or gateway's /v1/embeddings: its default
// request (base64, decoded by the client), floats, and a refused input. Prints one JSON line with what it saw,
// for GatewayEmbeddingsIT to check.
//   node tools/openai-embeddings-check.mjs BASE_URL MODEL      (BASE_URL like http://127.0.0.1:7070/v1)
// openai comes from tools/node/node_modules, or VERITY_OPENAI_NPM_DIR (tools/openai-npm.mjs).
import { verityClient } from "./openai-npm.mjs";

const [baseURL, model] = process.argv.slice(2);
const client = verityClient(baseURL);
const input = ["Hello world", "The quick brown fox jumps over the lazy dog."];
const out = { input };

const byDefault = await client.embeddings.create({ model, input }); // the client asks for base64 and decodes it
out.default = { vectors: byDefault.data.map((d) => Array.from(d.embedding)), usage: byDefault.usage, verity: byDefault.verity };

const floats = await client.embeddings.create({ model, input, encoding_format: "float" });
out.float = { vectors: floats.data.map((d) => d.embedding), usage: floats.usage, verity: floats.verity };

try {
  await client.embeddings.create({ model, input: ["fine", ""] });
  out.error = { thrown: false };
} catch (e) {
  out.error = { thrown: true, name: e.constructor.name, status: e.status, code: e.code, param: e.param, message: e.message };
}
console.log(JSON.stringify(out));
