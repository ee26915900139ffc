import type { FastifyPluginAsync } from "fastify";
import type { ChainReader } from "../chain-reader";
import type { PlaygroundClient } from "../playground";
import type { PlaygroundRequest } from "../../shared/types";

export const apiRoutes: FastifyPluginAsync<{ reader: ChainReader; playground?: PlaygroundClient }> = async (app, opts) => {
  const { reader } = opts;
  app.get("/overview", async () => reader.overview());
  app.get("/subnets", async () => reader.subnets());
  app.get<{ Params: { netuid: string } }>("/subnets/:netuid", async (req, reply) => {
    const netuid = Number(req.params.netuid);
    if (!Number.isInteger(netuid) || netuid < 1 || !(await reader.subnetExists(netuid))) {
      return reply.code(404).send({ error: { code: "no-such-subnet", message: `no subnet ${req.params.netuid}` } });
    }
    return reader.subnet(netuid);
  });
  app.get("/billing/weekly", async () => reader.billingByWeek());
  app.get("/proposals", async () => reader.proposals());
  app.post<{ Body: PlaygroundRequest }>("/playground", async (req, reply) => {
    if (!opts.playground) {
      return reply.code(503).send({ error: { code: "no-gateway", message: "the explorer was started without a gateway" } });
    }
    const body = req.body;
    if (!body || (body.kind !== "chat" && body.kind !== "ocr")) {
      return reply.code(400).send({ error: { code: "bad-request", message: 'kind must be "chat" or "ocr"' } });
    }
    return opts.playground.ask(body);
  });
};
