import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { buildGatewayApp } from "../src/app";
import { createGatewayServices } from "../src/services";
import type { GatewayRuntime } from "../src/services";
import { allotmentWriter } from "../src/start";
import { TokenizerRegistry } from "../src/tokens";
import type { TestNetwork } from "../src/testing/network";
import { testRedis } from "../src/testing/redis";

export interface BenchGateway {
  runtime: GatewayRuntime;
  app: FastifyInstance;
  /** http://127.0.0.1:<port> */
  url: string;
  close(): Promise<void>;
}

/**
 * The gateway the benches measure: on `net`, Redis under a fresh prefix, no rate limit, the test
 * miners' private axons allowed, each miner allotted `requestsPerMiner` calls' worth, listening.
 */
export async function startBenchGateway(net: TestNetwork, requestsPerMiner: number): Promise<BenchGateway> {
  const { redis, keys, cleanup } = await testRedis();
  const runtime = await createGatewayServices({
    redis,
    keyspace: keys,
    chain: net.chainView(),
    signer: net.client,
    tokens: await TokenizerRegistry.load(),
    defaultRpm: 0,
    allowPrivateAxons: true,
    allot: { write: allotmentWriter(net.billing.connect(net.client)), requestsPerMiner },
  });
  await runtime.directory.refresh();
  await runtime.allotter!.topUp();
  const app = buildGatewayApp(runtime);
  await app.listen({ port: 0, host: "127.0.0.1" });
  return {
    runtime,
    app,
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    close: async () => {
      await app.close();
      await runtime.close();
      await cleanup();
    },
  };
}
