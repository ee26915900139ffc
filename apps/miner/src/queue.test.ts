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
});
