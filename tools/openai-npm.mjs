// The official `openai` npm client, unchanged, for the tools/openai-*-check.mjs scripts: from tools/node/node_modules,
// which ./verity installs, or from VERITY_OPENAI_NPM_DIR (a folder with node_modules/openai).
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const base = process.env.VERITY_OPENAI_NPM_DIR
  ? pathToFileURL(process.env.VERITY_OPENAI_NPM_DIR + "/package.json")
  : new URL("./node/package.json", import.meta.url); // tools/node/node_modules
const OpenAI = createRequire(base)("openai").default;

/** A client of a Verity node or gateway at BASE_URL (…/v1): no retries, 30 s timeout, no key needed. */
export function verityClient(baseURL) {
  return new OpenAI({ baseURL, apiKey: "unused", maxRetries: 0, timeout: 30_000 });
}
