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
  /** Keystore of the account holding the genesis DAO votes. */
  daoKey: string;
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
    // The built-in model continues text (it was not trained to chat): completions show it best;
    // /v1/chat/completions takes the same key and model.
    lines.push(
      "",
      c.bold("Try it:"),
      `  export NOOS_API_KEY=${b.apiKey}`,
      `  curl -s ${b.gatewayUrl}/v1/completions -H "authorization: Bearer $NOOS_API_KEY" \\`,
      `    -H "content-type: application/json" -d '{"model": "${model}", "prompt": "The old man", "max_tokens": 32}'`,
      "",
      c.dim(
        "  # with the openai package, from this folder (Node; it is installed here) or Python (pip install openai)",
      ),
      `  node -e 'new (require("openai"))({ baseURL: "${b.gatewayUrl}/v1", apiKey: process.env.NOOS_API_KEY })`,
      `    .completions.create({ model: "${model}", prompt: "The old man", max_tokens: 32 }).then((r) => console.log(r.choices[0].text))'`,
      `  python3 -c 'import os, openai; c = openai.OpenAI(base_url="${b.gatewayUrl}/v1", api_key=os.environ["NOOS_API_KEY"])`,
      `  print(c.completions.create(model="${model}", prompt="The old man", max_tokens=32).choices[0].text)'`,
      "",
      c.dim("  # OCR: a base64 PNG or JPEG"),
      `  curl -s ${b.gatewayUrl}/v1/ocr -H "authorization: Bearer $NOOS_API_KEY" -H "content-type: application/json" \\`,
      `    -d "{\\"image\\": \\"$(base64 -w0 page.png)\\"}"`,
    );
  }
  lines.push(
    "",
    c.dim("  # governance: the devnet's DAO key holds 50,000 NOOS of votes (password devnet)"),
    `  export NOOS_KEY_PASSWORD=devnet NOOS_RPC_URL=${b.rpcUrl}`,
    `  node apps/cli/bin/noos.js dao propose set-price --netuid 1 --tier batch --usd 0.0008 --key ${rel(b.daoKey)}`,
  );
  lines.push("", c.dim("Ctrl-C stops everything (miners redeem their vouchers first)."), "");
  return lines.join("\n");
}
