import type { PlaygroundAnswer, PlaygroundRequest } from "../shared/types";

export interface PlaygroundClient {
  ask(req: PlaygroundRequest): Promise<PlaygroundAnswer>;
}

/** Sends playground requests through the gateway's public API with the devnet's API key. */
export class GatewayPlayground implements PlaygroundClient {
  constructor(
    private readonly gatewayUrl: string,
    private readonly apiKey: string,
    private readonly textModel = "noos-tiny",
  ) {}

  async ask(req: PlaygroundRequest): Promise<PlaygroundAnswer> {
    const started = Date.now();
    const [route, body] =
      req.kind === "ocr"
        ? ["/v1/ocr", { image: req.imageBase64, model: req.model }]
        : ["/v1/chat/completions", { model: req.model ?? this.textModel, max_tokens: 48, messages: [{ role: "user", content: req.prompt ?? "" }] }];
    const res = await fetch(this.gatewayUrl + route, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${this.apiKey}` },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, any>;
    const latencyMs = Date.now() - started;
    if (!res.ok) return { text: "", latencyMs, error: json?.error?.message ?? `gateway answered ${res.status}` };
    const text =
      req.kind === "ocr"
        ? ((json.lines ?? []) as { text: string }[]).map((l) => l.text).join("\n")
        : (json.choices?.[0]?.message?.content ?? "");
    return { text, latencyMs, miner: json.noos?.miner ?? json.miner, charged: json.usage?.noos_charged ?? json.noos?.charged };
  }
}
