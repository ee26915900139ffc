/**
 * The devnet's process group: prefixed output, pino lines made readable, ordered stops, no
 * leftovers, and the reaper that cleans up after a devnet killed outright.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ProcessGroup, formatLogLine, recordChild, startReaper, stopReaper, processAlive } from "@noosphere/devnet";

/** A node child that prints `ready`, then on SIGTERM prints `stop <name>` and exits after `delayMs`. */
function service(name: string, delayMs = 50, extra = ""): string[] {
  return [
    "-e",
    `${extra}
     process.on("SIGTERM", () => { console.log("stop ${name}"); setTimeout(() => process.exit(0), ${delayMs}); });
     console.log("ready"); setInterval(() => {}, 1000);`,
  ];
}

async function waitFor(lines: string[], text: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!lines.some((l) => l.includes(text))) {
    if (Date.now() > deadline) throw new Error(`no "${text}" in:\n${lines.join("\n")}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("devnet ProcessGroup", function () {
  this.timeout(60_000);

  it("prefixes each child's lines with its name", async function () {
    const lines: string[] = [];
    const group = new ProcessGroup({ write: (l) => lines.push(l), colour: false });
    group.start("miner-0", process.execPath, service("m"));
    await waitFor(lines, "ready");
    expect(lines).to.include(`${"miner-0".padEnd(12)}| ready`);
    await group.stopAll();
  });

  it("stops kinds in the order given (miners after the gateway, the chain last) and reports no unexpected exit", async function () {
    const lines: string[] = [];
    const unexpected: string[] = [];
    const group = new ProcessGroup({
      write: (l) => lines.push(l),
      colour: false,
      onUnexpectedExit: (p) => unexpected.push(p.name),
    });
    group.start("chain", process.execPath, service("chain"));
    group.start("miner-0", process.execPath, service("miner", 300), { kind: "miner" });
    group.start("gateway", process.execPath, service("gateway"));
    await waitFor(lines, "gateway".padEnd(12) + "| ready");
    await waitFor(lines, "chain".padEnd(12) + "| ready");
    await waitFor(lines, "miner-0".padEnd(12) + "| ready");
    await group.stopAll(["gateway", "miner", "chain"]);
    const stops = lines.filter((l) => l.includes("| stop ")).map((l) => l.split("| stop ")[1]);
    expect(stops).to.deep.equal(["gateway", "miner", "chain"]);
    expect(group.running).to.deep.equal([]);
    expect(unexpected).to.deep.equal([]);
  });

  it("kills what a child spawned (its process group) and a child that ignores SIGTERM", async function () {
    const lines: string[] = [];
    const group = new ProcessGroup({ write: (l) => lines.push(l), colour: false });
    // The child starts a grandchild, prints its pid, and ignores SIGTERM.
    const proc = group.start("stubborn", process.execPath, [
      "-e",
      `const { spawn } = require("node:child_process");
       const g = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
       console.log("grandchild " + g.pid);
       process.on("SIGTERM", () => {});
       setInterval(() => {}, 1000);`,
    ]);
    await waitFor(lines, "grandchild ");
    const grandchild = Number(lines.find((l) => l.includes("grandchild "))!.split("grandchild ")[1]);
    expect(processAlive(grandchild)).to.equal(true);
    await group.stopAll([], 500);
    await new Promise((r) => setTimeout(r, 200));
    expect(processAlive(proc.child.pid!)).to.equal(false);
    expect(processAlive(grandchild)).to.equal(false);
  });

  it("tells of a child that exits on its own", async function () {
    const exits: (number | null)[] = [];
    const group = new ProcessGroup({ write: () => {}, onUnexpectedExit: (_p, code) => exits.push(code) });
    const proc = group.start("crash", process.execPath, ["-e", "process.exit(3)"]);
    await proc.exited;
    expect(exits).to.deep.equal([3]);
  });
});

describe("devnet formatLogLine", function () {
  it("shows a pino line as its message and fields, without time, pid, host or service", function () {
    const line = JSON.stringify({
      level: 30,
      time: "2026-01-01T00:00:00Z",
      pid: 1,
      hostname: "h",
      service: "miner",
      msg: "axon published",
      uid: 3,
      host: "127.0.0.1",
    });
    expect(formatLogLine(line)).to.equal("axon published uid=3 host=127.0.0.1");
  });

  it("tags warnings and errors, quotes values with spaces and shows an error's message", function () {
    expect(formatLogLine(JSON.stringify({ level: 40, msg: "slow", reason: "two words" }))).to.equal(
      'WARN slow reason="two words"',
    );
    expect(
      formatLogLine(JSON.stringify({ level: 50, msg: "failed", err: { message: "boom", stack: "..." } })),
    ).to.equal('ERROR failed err="boom"');
  });

  it("passes other lines through and drops empty ones", function () {
    expect(formatLogLine("Started HTTP server")).to.equal("Started HTTP server");
    expect(formatLogLine("{not json")).to.equal("{not json");
    expect(formatLogLine(JSON.stringify({ a: 1 }))).to.equal('{"a":1}');
    expect(formatLogLine("   ")).to.equal(undefined);
  });
});

describe("devnet reaper", function () {
  this.timeout(60_000);

  it("stops the devnet's children if the devnet dies without cleaning up: services first, the chain last", async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "noos-reaper-"));
    const file = path.join(dir, "children");
    // Stands in for a devnet killed with SIGKILL.
    const devnet = spawn("sleep", ["60"], { stdio: "ignore" });
    const reaper = startReaper(file, devnet.pid!);
    const exits: { name: string; at: number }[] = [];
    const group = new ProcessGroup({ write: () => {}, onStart: (p) => recordChild(file, p.kind, p.child.pid!) });
    for (const [name, kind] of [
      ["chain", "chain"],
      ["miner-0", "miner"],
    ] as const) {
      const proc = group.start(name, process.execPath, ["-e", "setInterval(() => {}, 1000)"], { kind });
      void proc.exited.then(() => exits.push({ name, at: Date.now() }));
    }
    const killedAt = Date.now();
    devnet.kill("SIGKILL");
    while (exits.length < 2 && Date.now() - killedAt < 30_000) await new Promise((r) => setTimeout(r, 100));
    expect(exits.map((e) => e.name)).to.deep.equal(["miner-0", "chain"]);
    expect(exits[1]!.at - exits[0]!.at).to.be.greaterThan(5_000); // the miner had time to redeem
    expect(group.running).to.deep.equal([]);
    // The reaper tidies up 2 s after the last stop and leaves; a loaded machine may take longer.
    const gone = Date.now();
    while ((fs.existsSync(file) || processAlive(reaper.pid!)) && Date.now() - gone < 15_000)
      await new Promise((r) => setTimeout(r, 100));
    expect(fs.existsSync(file)).to.equal(false);
    expect(processAlive(reaper.pid!)).to.equal(false);
  });

  it("does nothing after a clean stop", async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "noos-reaper-"));
    const file = path.join(dir, "children");
    const devnet = spawn("sleep", ["60"], { stdio: "ignore" });
    const reaper = startReaper(file, devnet.pid!);
    const bystander = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], {
      detached: true,
      stdio: "ignore",
    });
    recordChild(file, "miner", bystander.pid!);
    stopReaper(reaper, file);
    devnet.kill("SIGKILL");
    await new Promise((r) => setTimeout(r, 2_500));
    expect(processAlive(bystander.pid!)).to.equal(true);
    process.kill(-bystander.pid!, "SIGKILL");
  });
});
