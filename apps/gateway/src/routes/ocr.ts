import { formatEther } from "ethers";
import type { FastifyInstance } from "fastify";
import type { GatewayServices } from "../context";
import { errors } from "../errors";
import { parseOcrRequest } from "../openai/requests";
import { nowSeconds, openAIId } from "../openai/shapes";
import { requestSignal, routeFor } from "./common";

interface OcrLine {
  text: string;
  confidence: number;
  box: [number, number][];
}

/**
 * POST /v1/ocr: the OCR task's own route. Takes `{ model?, image }` (base64 PNG/JPEG or a data:
 * URL) or a raw image/png or image/jpeg body; answers the recognised lines, the text, and usage.
 */
export function ocrRoutes(s: GatewayServices) {
  return async function register(app: FastifyInstance): Promise<void> {
    app.post("/ocr", { config: { admitsWithReservation: true } }, async (req, reply) => {
      const job = parseOcrRequest(req.body);
      const route = job.model ? routeFor(s, job.model, "ocr") : s.directory.firstOfTask("ocr");
      if (!route) throw errors.noMiner("No OCR subnet has a live miner right now; try again shortly.");
      const bytes = Buffer.byteLength(job.image, "base64");
      if (bytes > s.maxImageBytes) {
        throw errors.tooLarge(
          `The image is ${bytes} bytes; the limit is ${s.maxImageBytes}.`,
          "image",
          "image_too_large",
        );
      }
      const terms = await s.terms.get(route.netuid, route.tier);
      if (terms.price === undefined) throw errors.noMiner(`Subnet ${route.netuid} has no price for this tier yet.`);
      const outcome = await s.dispatcher.call({
        route,
        price: terms.price,
        body: JSON.stringify({ image: job.image }),
        stream: false,
        signal: requestSignal(reply),
        admit: req.keyAdmission,
      });
      if (outcome.kind !== "json") throw errors.upstream("The miner answered OCR with a stream.");
      const lines = ((outcome.final.output as { lines?: OcrLine[] }).lines ?? []) as OcrLine[];
      const charged = outcome.reservation.price;
      s.metrics.charged.inc({ netuid: String(route.netuid) }, Number(formatEther(charged)));
      if (req.apiKeyId) {
        s.usage
          .record(req.apiKeyId, { promptTokens: 0, completionTokens: 0, charged })
          .catch((err: unknown) =>
            s.logger.error({ err, key: req.apiKeyId }, "usage counts not written yet (kept for the next batch)"),
          );
      }
      void reply.header("x-noos-miner", outcome.miner.hotkey).header("x-noos-charged", charged.toString());
      return {
        id: openAIId("ocr"),
        object: "ocr.result",
        created: nowSeconds(),
        model: route.id,
        lines,
        text: lines.map((l) => l.text).join("\n"),
        usage: { lines: lines.length, noos_charged: formatEther(charged) },
      };
    });
  };
}
