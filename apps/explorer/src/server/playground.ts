import type { PlaygroundAnswer, PlaygroundRequest } from "../shared/types";

export interface PlaygroundClient {
  ask(req: PlaygroundRequest): Promise<PlaygroundAnswer>;
}

interface ModelEntry {
  id: string;
  task?: string;
}

interface GatewayReply {
  error?: { message?: string };
  model?: string;
  choices?: { text?: string }[];
  text?: string;
  lines?: { text: string }[];
}

/** How long the gateway's model list is reused. */
const MODELS_TTL_MS = 15_000;

/**
 * Sends playground requests through the gateway's public API with the devnet's API key, as any
 * client would. A prompt goes to /v1/completions (the built-in text model continues text; it was
 * not trained to chat) with the first live text-generation model the gateway lists, unless the
 * request names one; an image goes to /v1/ocr. The answer carries
 * what the gateway charged (x-noos-charged, NOOS wei) and which miner served (x-noos-miner).
 */
export class GatewayPlayground implements PlaygroundClient {
  private models: { at: number; list: ModelEntry[] } | undefined;

  constructor(
    private readonly gatewayUrl: string,
    private readonly apiKey: string,
    private readonly maxTokens = 48,
  ) {}

  async ask(req: PlaygroundRequest): Promise<PlaygroundAnswer> {
    const started = Date.now();
    try {
      const [route, body] =
        req.kind === "ocr"
          ? ["/v1/ocr", { image: req.imageBase64, ...(req.model ? { model: req.model } : {}) }]
          : [
              "/v1/completions",
              {
                model: req.model ?? (await this.modelOfTask("text-generation")),
                max_tokens: this.maxTokens,
                prompt: req.prompt ?? "",
              },
            ];
      const res = await fetch(this.gatewayUrl + route, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${this.apiKey}` },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as GatewayReply;
      const latencyMs = Date.now() - started;
      if (!res.ok) return { text: "", latencyMs, error: json.error?.message ?? `the gateway answered ${res.status}` };
      const text =
        req.kind === "ocr"
          ? (json.text ?? (json.lines ?? []).map((l) => l.text).join("\n"))
          : (json.choices?.[0]?.text ?? "");
      return {
        text,
        latencyMs,
        model: json.model,
        miner: res.headers.get("x-noos-miner") ?? undefined,
        charged: res.headers.get("x-noos-charged") ?? undefined,
      };
    } catch (err) {
      // fetch fails with a TypeError when nothing answers; other errors say what is missing.
      const message = err instanceof TypeError ? `the gateway is unreachable: ${err.message}` : (err as Error).message;
      return { text: "", latencyMs: Date.now() - started, error: message };
    }
  }

  private async modelOfTask(task: string): Promise<string> {
    if (!this.models || Date.now() - this.models.at > MODELS_TTL_MS) {
      const res = await fetch(`${this.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${this.apiKey}` } });
      const body = (await res.json()) as { data?: ModelEntry[] };
      this.models = { at: Date.now(), list: body.data ?? [] };
    }
    const model = this.models.list.find((m) => m.task === task);
    if (!model) {
      this.models = undefined; // look again next time: miners may be starting
      throw new Error(`no ${task} model is live on the gateway yet; try again shortly`);
    }
    return model.id;
  }
}
