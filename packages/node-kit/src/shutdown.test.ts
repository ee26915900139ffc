import { silentLogger } from "./logger";
import { Shutdown } from "./shutdown";

describe("Shutdown", () => {
  it("aborts the signal and runs cleanups once, newest first, despite a failing one", async () => {
    const shutdown = new Shutdown(silentLogger());
    const order: string[] = [];
    shutdown.add("db", () => {
      order.push("db");
    });
    shutdown.add("broken", () => {
      throw new Error("boom");
    });
    shutdown.add("http", async () => {
      order.push("http");
    });
    await Promise.all([shutdown.run(), shutdown.run()]);
    expect(shutdown.signal.aborted).toBe(true);
    expect(order).toEqual(["http", "db"]);
  });
});
