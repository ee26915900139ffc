import type { ServerResponse } from "node:http";
import type { FastifyReply } from "fastify";
import type { GatewayServices } from "../context";
import { errors } from "../errors";
import type { ModelRoute } from "../routing/directory";

declare module "fastify" {
  interface FastifyRequest {
    /** Id of the API key that authenticated this request. */
    apiKeyId?: string;
  }
}

/** The route serving `model` for `taskId`: 404 if nobody serves it, 400 if it is another task's. */
export function routeFor(s: GatewayServices, model: string, taskId: string): ModelRoute {
  const route = s.directory.resolve(model);
  if (!route) throw errors.modelNotFound(model);
  if (route.taskId !== taskId) {
    const where = route.taskId === "ocr" ? "POST /v1/ocr" : "POST /v1/chat/completions or /v1/completions";
    throw errors.invalidRequest(`The model '${model}' serves the ${route.taskId} task: use ${where}.`, "model");
  }
  return route;
}

/** Aborts when the client goes away before the answer is complete. */
export function requestSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.on("close", () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

/** Takes the response over for server-sent events. */
export function sendSse(reply: FastifyReply, headers: Record<string, string> = {}): ServerResponse {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    ...headers,
  });
  raw.flushHeaders();
  return raw;
}

export function writeSse(raw: ServerResponse, data: unknown): void {
  raw.write(`data: ${JSON.stringify(data)}\n\n`);
}
