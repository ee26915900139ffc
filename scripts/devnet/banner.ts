import path from "node:path";
import { colours } from "./console";

export interface BannerInfo {
  rpcUrl: string;
  chainId: number;
  gatewayUrl?: string;
  apiKey?: string;
  /** A text model id the gateway serves (GET /v1/models). */
  textModel?: string;
  explorerUrl?: string;
  redisUrl: string;
  keysDir: string;
  deploymentFile: string;
  stateFile: string;
  tty: boolean;
}

/** What a developer needs to start using the devnet: where everything is and a request to paste. */
export function banner(b: BannerInfo): string {
  const c = colours(b.tty);
  const rel = (p: string) => {
    const r = path.relative(process.cwd(), p);
    return r && !r.startsWith("..") ? r : p;
  };
  const lines = [
    "",
    c.bold(c.green("Noosphere devnet is up")),
    `  RPC       ${c.cyan(b.rpcUrl)}  (chain ${b.chainId}; contracts: ${rel(b.deploymentFile)})`,
    b.gatewayUrl
      ? `  gateway   ${c.cyan(b.gatewayUrl)}  (OpenAI-compatible: /v1/models, /v1/chat/completions, /v1/completions, /v1/ocr)`
      : `  gateway   ${c.yellow("not running")}`,
    b.apiKey ? `  API key   ${c.bold(b.apiKey)}` : "",
    b.explorerUrl ? `  explorer  ${c.cyan(b.explorerUrl)}` : `  explorer  ${c.dim("off")}`,
    `  Redis     ${b.redisUrl}`,
    `  keys      ${rel(b.keysDir)} (password "devnet"); state: ${rel(b.stateFile)}`,
  ].filter((l) => l !== "");
  if (b.gatewayUrl && b.apiKey) {
    const model = b.textModel ?? "sn1/noos-tiny:batch";
    lines.push(
      "",
      c.bold("Try it:"),
      `  export NOOS_API_KEY=${b.apiKey}`,
      `  curl -s ${b.gatewayUrl}/v1/chat/completions -H "authorization: Bearer $NOOS_API_KEY" \\`,
      `    -H "content-type: application/json" \\`,
      `    -d '{"model": "${model}", "max_tokens": 32, "messages": [{"role": "user", "content": "Call me Ishmael."}]}'`,
      "",
      c.dim("  # Python: pip install openai"),
      `  python3 -c 'from openai import OpenAI; import os`,
      `  client = OpenAI(base_url="${b.gatewayUrl}/v1", api_key=os.environ["NOOS_API_KEY"])`,
      `  r = client.chat.completions.create(model="${model}", max_tokens=32, messages=[{"role": "user", "content": "Call me Ishmael."}])`,
      `  print(r.choices[0].message.content)'`,
      "",
      c.dim("  # Node: npm install openai"),
      `  node -e 'const OpenAI = require("openai"); new OpenAI({ baseURL: "${b.gatewayUrl}/v1", apiKey: process.env.NOOS_API_KEY })`,
      `    .chat.completions.create({ model: "${model}", max_tokens: 32, messages: [{ role: "user", content: "Call me Ishmael." }] })`,
      `    .then((r) => console.log(r.choices[0].message.content))'`,
      "",
      c.dim("  # OCR: a base64 PNG or JPEG"),
      `  curl -s ${b.gatewayUrl}/v1/ocr -H "authorization: Bearer $NOOS_API_KEY" -H "content-type: application/json" \\`,
      `    -d "{\\"image\\": \\"$(base64 -w0 page.png)\\"}"`,
    );
  }
  lines.push("", c.dim("Ctrl-C stops everything (miners redeem their vouchers first)."), "");
  return lines.join("\n");
}
