import { GatewayError } from "../errors";
import {
  CHAT_TURN_STOP,
  chatPrompt,
  minerTextBody,
  parseChatRequest,
  parseCompletionRequest,
  parseOcrRequest,
} from "./requests";

function rejects(fn: () => unknown, param: string | null): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).statusCode).toBe(400);
    expect((err as GatewayError).toBody().error).toMatchObject({ type: "invalid_request_error", param });
    return;
  }
  throw new Error("expected a 400");
}

describe("OpenAI request parsing", () => {
  it("turns chat messages into one prompt with a turn stop", () => {
    const job = parseChatRequest({
      model: "noos-tiny",
      messages: [
        { role: "system", content: "Be brief." },
        {
          role: "user",
          content: [
            { type: "text", text: "Call me " },
            { type: "text", text: "Ishmael." },
          ],
        },
        { role: "assistant", content: "Aye." },
        { role: "user", content: "Where to?" },
      ],
      max_tokens: 12,
      temperature: 0.5,
      stop: "\n\n",
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(job.prompt).toBe("System: Be brief.\nUser: Call me Ishmael.\nAssistant: Aye.\nUser: Where to?\nAssistant:");
    expect(job).toMatchObject({
      model: "noos-tiny",
      maxTokens: 12,
      temperature: 0.5,
      stream: true,
      includeUsage: true,
    });
    expect(job.stop).toEqual(["\n\n", CHAT_TURN_STOP]);
    expect(minerTextBody(job)).toEqual({
      prompt: job.prompt,
      max_tokens: 12,
      temperature: 0.5,
      stop: job.stop,
      stream: true,
    });
  });

  it("prefers max_completion_tokens, and keeps the user's four stops", () => {
    const job = parseChatRequest({
      model: "m",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 5,
      max_completion_tokens: 7,
      stop: ["a", "b", "c", "d"],
    });
    expect(job.maxTokens).toBe(7);
    expect(job.stop).toEqual(["a", "b", "c", "d"]);
    expect(job.includeUsage).toBe(false);
  });

  it("parses completions with a prompt string or a one-element array", () => {
    expect(parseCompletionRequest({ model: "m", prompt: "Call me", seed: 3, top_k: 4, top_p: 0.9 })).toMatchObject({
      prompt: "Call me",
      seed: 3,
      topK: 4,
      topP: 0.9,
      stream: false,
    });
    expect(parseCompletionRequest({ model: "m", prompt: ["x"] }).prompt).toBe("x");
    expect(minerTextBody(parseCompletionRequest({ model: "m", prompt: "x" }))).toEqual({ prompt: "x" });
  });

  it("refuses malformed and unsupported requests, naming the parameter", () => {
    const msg = [{ role: "user", content: "hi" }];
    rejects(() => parseChatRequest("nope"), null);
    rejects(() => parseChatRequest({ messages: msg }), "model");
    rejects(() => parseChatRequest({ model: "m", messages: [] }), "messages");
    rejects(() => parseChatRequest({ model: "m", messages: [{ role: "wizard", content: "x" }] }), "messages[0].role");
    rejects(
      () => parseChatRequest({ model: "m", messages: [{ role: "user", content: [{ type: "image_url" }] }] }),
      "messages[0].content",
    );
    rejects(() => parseChatRequest({ model: "m", messages: msg, n: 2 }), "n");
    rejects(() => parseChatRequest({ model: "m", messages: msg, tools: [] }), "tools");
    rejects(() => parseChatRequest({ model: "m", messages: msg, temperature: 3 }), "temperature");
    rejects(() => parseChatRequest({ model: "m", messages: msg, max_tokens: 0 }), "max_tokens");
    rejects(() => parseChatRequest({ model: "m", messages: msg, max_tokens: 1.5 }), "max_tokens");
    rejects(() => parseChatRequest({ model: "m", messages: msg, stop: ["1", "2", "3", "4", "5"] }), "stop");
    rejects(() => parseCompletionRequest({ model: "m", prompt: ["a", "b"] }), "prompt");
    rejects(() => parseCompletionRequest({ model: "m", prompt: "" }), "prompt");
    rejects(() => parseCompletionRequest({ model: "m", prompt: "x", echo: true }), "echo");
  });

  it("builds the chat template from roles", () => {
    expect(
      chatPrompt([
        { role: "developer", content: "rules" },
        { role: "user", content: "q" },
      ]),
    ).toBe("System: rules\nUser: q\nAssistant:");
  });

  it("takes OCR images as base64, data: URLs or raw bytes", () => {
    expect(parseOcrRequest({ image: "iVBORw0KGgo=" })).toEqual({ model: undefined, image: "iVBORw0KGgo=" });
    expect(parseOcrRequest({ model: "sn2/ppocr", image: "data:image/png;base64,iVBORw0KGgo=" })).toEqual({
      model: "sn2/ppocr",
      image: "iVBORw0KGgo=",
    });
    expect(parseOcrRequest(Buffer.from([0x89, 0x50]))).toEqual({ image: Buffer.from([0x89, 0x50]).toString("base64") });
    rejects(() => parseOcrRequest({}), "image");
    rejects(() => parseOcrRequest(Buffer.alloc(0)), "image");
  });
});
