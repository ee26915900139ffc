/** `npm run devnet` flags, the status line's terminal handling and the Redis helpers. */
import path from "node:path";
import { PassThrough } from "node:stream";
import { expect } from "chai";
import {
  parseDevnetOptions,
  DevnetConsole,
  DEVNET_REDIS_DB,
  flushDevnetRedis,
  parseRedisUrl,
  redisAnswers,
  redisCommands,
  formatStatus,
} from "@noosphere/devnet";

describe("devnet options", function () {
  it("defaults: 4 miners, 2 validators, tempo 20, 1 s blocks, explorer on, a local chain", function () {
    const o = parseDevnetOptions([]);
    expect(o).to.include({
      miners: 4,
      validators: 2,
      tempo: 20,
      explorer: true,
      port: 8545,
      blockTimeMs: 1000,
      exitAfterSetup: false,
    });
    expect(o.rpc).to.equal(undefined);
    expect(o.redis).to.equal(undefined);
    expect(o.dir).to.equal(path.resolve(__dirname, "..", "..", ".devnet"));
  });

  it("takes --miners, --validators, --tempo, --no-explorer, --redis, --rpc and the ports", function () {
    const o = parseDevnetOptions([
      "--miners",
      "2",
      "--validators",
      "1",
      "--tempo",
      "5",
      "--no-explorer",
      "--redis",
      "redis://10.0.0.2:6380/2",
      "--rpc",
      "http://10.0.0.3:8545",
      "--gateway-port",
      "9000",
      "--explorer-port",
      "9001",
      "--dir",
      "/tmp/x",
    ]);
    expect(o).to.include({
      miners: 2,
      validators: 1,
      tempo: 5,
      explorer: false,
      gatewayPort: 9000,
      explorerPort: 9001,
      dir: "/tmp/x",
    });
    expect(o.redis).to.equal("redis://10.0.0.2:6380/2");
    expect(o.rpc).to.equal("http://10.0.0.3:8545");
  });

  it("refuses values that are not positive whole numbers or ports", function () {
    expect(() => parseDevnetOptions(["--miners", "0"])).to.throw(/--miners takes a positive whole number, got "0"/);
    expect(() => parseDevnetOptions(["--tempo", "1.5"])).to.throw(/--tempo/);
    expect(() => parseDevnetOptions(["--port", "70000"])).to.throw(/--port takes a port/);
  });
});

describe("devnet console", function () {
  function terminal(columns: number) {
    const stream = new PassThrough() as PassThrough & { isTTY: boolean; columns: number };
    stream.isTTY = true;
    stream.columns = columns;
    let written = "";
    stream.on("data", (c: Buffer) => (written += c.toString()));
    return { stream: stream as unknown as NodeJS.WriteStream, written: () => written };
  }

  it("keeps the status line below the log lines on a terminal, cut to the terminal's width", function () {
    const t = terminal(20);
    const out = new DevnetConsole(t.stream);
    out.setStatus("block 12 | epochs text-generation #3");
    out.line("miner-0 | ready");
    // Each log line clears the status row, prints, and draws the status again (cut with an ellipsis).
    expect(t.written()).to.equal(
      "\r\x1b[2Kblock 12 | epochs \x1b[0m…" + "\r\x1b[2Kminer-0 | ready\nblock 12 | epochs \x1b[0m…",
    );
  });

  it("prints the status as a line now and then when not on a terminal", function () {
    const stream = new PassThrough();
    let written = "";
    stream.on("data", (c: Buffer) => (written += c.toString()));
    const out = new DevnetConsole(stream as unknown as NodeJS.WriteStream, 60_000);
    out.setStatus("one");
    out.setStatus("two"); // within the minute: not printed
    out.line("log");
    expect(written).to.equal("[status] one\nlog\n");
  });

  it("formats the status line", function () {
    const line = formatStatus(
      {
        block: 120,
        subnets: [
          { netuid: 1, taskId: "text-generation", epoch: 5, dueIn: 3 },
          { netuid: 2, taskId: "ocr", epoch: 4, dueIn: 0 },
        ],
        emissionPaid: 12_345_000_000_000_000_000n,
        burned: 1_500_000_000_000_000n,
        epochsFinished: 9,
      },
      { up: 11, total: 12 },
    );
    expect(line).to.equal(
      "block 120 │ epochs text-generation #5 (next in 3) · ocr #4 │ emission paid 12.34 NOOS │ burned 0.0015 NOOS │ services 11/12 up",
    );
  });
});

describe("devnet Redis helpers", function () {
  it("parses redis:// URLs with a database", function () {
    expect(parseRedisUrl("redis://127.0.0.1:6390/13")).to.deep.equal({ host: "127.0.0.1", port: 6390, db: 13 });
    expect(parseRedisUrl("redis://localhost")).to.deep.equal({ host: "localhost", port: 6379, db: 0 });
    expect(() => parseRedisUrl("http://x")).to.throw(/redis:\/\//);
  });

  it("flushes the devnet's database and nothing else (real Redis on 127.0.0.1:6379)", async function () {
    const redis = { host: "127.0.0.1", port: 6379 };
    if (!(await redisAnswers(redis)))
      throw new Error("this test needs Redis on 127.0.0.1:6379 (bash .ci/run starts one)");
    const key = `noos-devnet-test-${process.pid}`;
    await redisCommands(redis, [`SELECT ${DEVNET_REDIS_DB}`, `SET ${key} 1`, "SELECT 0", `SET ${key} 1`]);
    await flushDevnetRedis(`redis://127.0.0.1:6379/${DEVNET_REDIS_DB}`);
    const [, inDevnetDb, , inDb0] = await redisCommands(redis, [
      `SELECT ${DEVNET_REDIS_DB}`,
      `EXISTS ${key}`,
      "SELECT 0",
      `EXISTS ${key}`,
    ]);
    await redisCommands(redis, [`DEL ${key}`]);
    expect(inDevnetDb).to.equal(":0");
    expect(inDb0).to.equal(":1");
  });

  it("says so when nothing answers", async function () {
    expect(await redisAnswers({ host: "127.0.0.1", port: 1 })).to.equal(false);
  });
});
