import fc from "fast-check";
import { BIGDEC_EVAL_LUA } from "./lua";
import { testRedis } from "../testing/redis";
import type { Redis } from "ioredis";

describe("decimal arithmetic in Lua (token amounts beyond 64 bits)", () => {
  let redis: Redis;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ redis, cleanup } = await testRedis()));
  afterAll(async () => cleanup());

  const op = (name: string, a: bigint, b: bigint) => redis.eval(BIGDEC_EVAL_LUA, 0, name, a.toString(), b.toString());
  const amount = fc.bigInt({ min: 0n, max: 10n ** 30n });

  it("adds, subtracts, compares and takes maxima exactly as bigint does", async () => {
    await fc.assert(
      fc.asyncProperty(amount, amount, async (x, y) => {
        const [a, b] = x >= y ? [x, y] : [y, x];
        expect(await op("add", a, b)).toBe((a + b).toString());
        expect(await op("sub", a, b)).toBe((a - b).toString());
        expect(await op("cmp", x, y)).toBe(x === y ? 0 : x < y ? -1 : 1);
        expect(await op("max", x, y)).toBe((x > y ? x : y).toString());
      }),
      { numRuns: 300 },
    );
  });

  it("carries across every digit and normalises leading zeros", async () => {
    expect(await op("add", 999999999999999999999999n, 1n)).toBe("1000000000000000000000000");
    expect(await op("sub", 10n ** 24n, 1n)).toBe("999999999999999999999999");
    expect(await op("sub", 5n, 5n)).toBe("0");
    expect(await redis.eval(BIGDEC_EVAL_LUA, 0, "add", "0007", "")).toBe("7");
  });

  it("refuses to go below zero", async () => {
    await expect(op("sub", 1n, 2n)).rejects.toThrow(/underflow/);
  });
});
