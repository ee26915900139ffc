/**
 * Axon URLs come from the chain: anyone who registers a neuron chooses where gateways and validators
 * will send requests. Without a guard a miner can point them at 127.0.0.1:6379 (their Redis), a cloud
 * metadata service (169.254.169.254) or anything else on their private network. Outside a devnet such
 * targets are refused, also when a public name resolves to them (checked at connect time, so a DNS
 * answer that changes after the check cannot slip through).
 */
import { lookup as dnsLookup } from "node:dns";
import type { LookupAddress, LookupOptions } from "node:dns";
import { BlockList, isIP } from "node:net";
import type { LookupFunction } from "node:net";

/** An axon that points somewhere gateways and validators must not send requests. */
export class ForbiddenAxonError extends Error {
  override readonly name = "ForbiddenAxonError";
}

const blocked = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, cloud metadata
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15], // benchmarking
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["ff00::", 8], // multicast
] as const) {
  blocked.addSubnet(net, prefix, "ipv6");
}

/** Whether `ip` is loopback, private, link-local, multicast or otherwise not a public address. */
export function isForbiddenAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) return blocked.check(ip, "ipv4");
  if (family !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return blocked.check(mapped[1]!, "ipv4");
  return blocked.check(ip, "ipv6");
}

/**
 * Checks an axon URL before it is used: http or https, and (outside a devnet) not an address literal
 * in a forbidden range. Names are checked when they are resolved (`guardedLookup`).
 */
export function checkAxonUrl(url: string, allowPrivate: boolean): URL {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new ForbiddenAxonError(`axon ${url} is not a URL`);
  }
  if (target.protocol !== "http:" && target.protocol !== "https:") {
    throw new ForbiddenAxonError(`axon ${url} is not http or https`);
  }
  const host = target.hostname.replace(/^\[|\]$/g, "");
  if (!allowPrivate && (isIP(host) !== 0 ? isForbiddenAddress(host) : /^localhost$/i.test(host))) {
    throw new ForbiddenAxonError(
      `axon ${url} points at a private or loopback address; refused outside a devnet (--allow-private-axons)`,
    );
  }
  return target;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http(s) agents (net.connect's option) that refuses names resolving to a forbidden
 * address unless `allowPrivate`.
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return ((hostname: string, options: LookupOptions | number, callback: LookupCallback): void => {
    const opts: LookupOptions = typeof options === "number" ? { family: options } : options;
    dnsLookup(hostname, { ...opts, all: true }, (err, addresses) => {
      if (err) return callback(err, "");
      const list = addresses as LookupAddress[];
      const bad = allowPrivate ? undefined : list.find((a) => isForbiddenAddress(a.address));
      if (bad) {
        const refusal = new ForbiddenAxonError(
          `${hostname} resolves to ${bad.address}, a private or loopback address; refused outside a devnet`,
        ) as NodeJS.ErrnoException;
        refusal.code = "EAXONFORBIDDEN";
        return callback(refusal, "");
      }
      if (opts.all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), "");
      callback(null, first.address, first.family);
    });
  }) as LookupFunction;
}

/** Resolves `url`'s host now and refuses a forbidden address (for clients that cannot take a lookup). */
export async function resolveAxonUrl(url: string, allowPrivate: boolean): Promise<URL> {
  const target = checkAxonUrl(url, allowPrivate);
  if (allowPrivate || isIP(target.hostname.replace(/^\[|\]$/g, "")) !== 0) return target;
  await new Promise<void>((resolve, reject) =>
    guardedLookup(false)(target.hostname, { family: 0 }, (err: Error | null) => (err ? reject(err) : resolve())),
  );
  return target;
}
