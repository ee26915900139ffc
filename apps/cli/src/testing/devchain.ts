/**
 * Test support: a real Hardhat node in a child process with the token, emission, staking and
 * subnet contracts deployed by the project's deploy helpers, a deployment file for the CLI, and
 * funded keystores. Used by the CLI's end-to-end tests.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { execFile } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { HDNodeWallet, JsonRpcProvider, parseEther, Wallet, ZeroAddress } from "ethers";
import type { JsonRpcSigner } from "ethers";
import { saveKeystore } from "@noosphere/node-kit";
import { saveDeployment } from "@noosphere/contracts";
import type { Emission, NoosToken, Staking, SubnetRegistry } from "@noosphere/contracts";
import { deployToken, deployEmission, configureStaking, deployStaking, deploySubnetRegistry } from "@noosphere/deploy";

export const REPO_ROOT = path.resolve(__dirname, "../../../..");
export const NOOS_BIN = path.join(REPO_ROOT, "apps/cli/bin/noos.js");
/** Hardhat's default accounts: 10,000 ETH each. */
const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

export interface HardhatNode {
  url: string;
  provider: JsonRpcProvider;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (asked of the OS, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts `hardhat node` on a free port from the repository root and waits until it answers. */
export async function startHardhatNode(timeoutMs = 90_000): Promise<HardhatNode> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ["node_modules/hardhat/internal/cli/cli.js", "node", "--hostname", "127.0.0.1", "--port", String(port)],
    { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`hardhat node did not start in ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Started HTTP")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`hardhat node exited with ${code}:\n${output}`));
    });
  });
  try {
    await ready;
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  // Stop collecting the node's log (it logs every call) once it is up.
  child.stdout?.removeAllListeners("data").resume();
  child.stderr?.removeAllListeners("data").resume();
  const url = `http://127.0.0.1:${port}`;
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, batchMaxCount: 1 });
  return { url, provider, stop: () => stopChild(child, provider) };
}

async function stopChild(child: ChildProcess, provider: JsonRpcProvider): Promise<void> {
  provider.destroy();
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

export interface Deployed {
  token: NoosToken;
  emission: Emission;
  staking: Staking;
  subnets: SubnetRegistry;
  deployer: JsonRpcSigner;
  /** Folder holding the deployment file; point NOOS_DEPLOYMENTS_DIR at it. */
  deploymentsDir: string;
}

export interface DeployOptions {
  /** Tokens createSubnet locks (default 10 NOOS). */
  lockCost?: bigint;
  /** Staking cooldown in blocks (default 3). */
  unstakeCooldownBlocks?: number;
}

/**
 * Deploys token, emission, staking and subnets with the deploy helpers of scripts/deploy and
 * writes the deployment file (other contracts: the zero address) into a fresh temp folder.
 * The deployer keeps MINTER_ROLE and REWARDER_ROLE to fund accounts and credit rewards.
 */
export async function deployCore(node: HardhatNode, opts: DeployOptions = {}): Promise<Deployed> {
  const deployer = await node.provider.getSigner(0);
  const admin = await deployer.getAddress();
  const startBlock = await node.provider.getBlockNumber();
  const token = await deployToken(deployer, { admin });
  const emission = await deployEmission(deployer, { token, admin, treasury: admin });
  const staking = await deployStaking(deployer, { token, admin });
  const subnets = await deploySubnetRegistry(deployer, {
    token,
    staking,
    admin,
    lockCost: opts.lockCost ?? parseEther("10"),
  });
  await configureStaking(staking, {
    unstakeCooldownBlocks: opts.unstakeCooldownBlocks ?? 3,
    takeRaiseInterval: 10,
    takeDelayBlocks: 2,
  });
  await (await token.grantRole(await token.MINTER_ROLE(), admin)).wait();
  await (await token.grantRole(await token.MINTER_ROLE(), await emission.getAddress())).wait();
  await (await staking.grantRole(await staking.REWARDER_ROLE(), admin)).wait();

  const deploymentsDir = fs.mkdtempSync(path.join(os.tmpdir(), "noos-deployments-"));
  const previous = process.env.NOOS_DEPLOYMENTS_DIR;
  process.env.NOOS_DEPLOYMENTS_DIR = deploymentsDir;
  try {
    saveDeployment({
      chainId: Number((await node.provider.getNetwork()).chainId),
      deployedAtBlock: startBlock,
      contracts: {
        token: await token.getAddress(),
        emission: await emission.getAddress(),
        staking: await staking.getAddress(),
        subnets: await subnets.getAddress(),
        consensus: ZeroAddress,
        billing: ZeroAddress,
        models: ZeroAddress,
        timelock: ZeroAddress,
        governor: ZeroAddress,
      },
    });
  } finally {
    if (previous === undefined) delete process.env.NOOS_DEPLOYMENTS_DIR;
    else process.env.NOOS_DEPLOYMENTS_DIR = previous;
  }
  return { token, emission, staking, subnets, deployer, deploymentsDir };
}

/** Hardhat default account `index` (1 and up: account 0 deploys), funded with ETH. */
export function hardhatAccount(index: number): Wallet {
  const hd = HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`);
  return new Wallet(hd.privateKey);
}

/** Writes `wallet` to a light keystore (fast scrypt) in `dir` and returns its path. */
export async function writeKeystore(dir: string, name: string, wallet: Wallet, password: string): Promise<string> {
  const file = path.join(dir, `${name}.json`);
  await saveKeystore(file, wallet, password, { light: true });
  return file;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `noos` binary (node apps/cli/bin/noos.js) with `args` and extra environment. */
export function runNoos(args: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [NOOS_BIN, ...args],
      { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
