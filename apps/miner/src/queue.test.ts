import { BoundedQueue } from "./queue";
import { MinerHttpError } from "./errors";

describe("BoundedQueue", () => {
  it("runs at most `concurrency` jobs, queues up to `maxQueued`, refuses the rest with 429", async () => {
    const queue = new BoundedQueue(1, 1);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const order: number[] = [];
    const first = queue.run(async () => {
      await gate;
      order.push(1);
    });
    const second = queue.run(async () => {
      order.push(2);
    });
    expect(queue.inFlight).toBe(1);
    expect(queue.depth).toBe(1);
    const third = queue.run(async () => order.push(3));
    await expect(third).rejects.toBeInstanceOf(MinerHttpError);
    await expect(third).rejects.toMatchObject({ statusCode: 429, headers: { "retry-after": "1" } });
    release();
    await Promise.all([first, second]);
    expect(order).toEqual([1, 2]);
    expect(queue.inFlight).toBe(0);
  });

  it("lets a waiting job whose signal aborts leave at once, keeping its place free for the next", async () => {
    const queue = new BoundedQueue(1, 1);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = queue.run(() => gate);
    const refused = new AbortController();
    let ran = false;
    const waiting = queue.run(async () => {
      ran = true;
    }, refused.signal);
    expect(queue.depth).toBe(1);
    refused.abort(new MinerHttpError(401, "bad-signature", "forged"));
    await expect(waiting).rejects.toMatchObject({ statusCode: 401, code: "bad-signature" });
    expect(queue.depth).toBe(0);
    // Its place is free again: the next caller queues instead of getting a 429.
    const next = queue.run(async () => "served");
    expect(queue.depth).toBe(1);
    release();
    await expect(next).resolves.toBe("served");
    await first;
    expect(ran).toBe(false);
    expect(queue.inFlight).toBe(0);
  });

  it("refuses a job whose signal is already aborted without taking a slot", async () => {
    const queue = new BoundedQueue(1, 1);
    const gone = new AbortController();
    gone.abort(new Error("gone"));
    await expect(queue.run(async () => 1, gone.signal)).rejects.toThrow("gone");
    expect(queue.inFlight).toBe(0);
    await expect(queue.run(async () => 2)).resolves.toBe(2);
  });
});
