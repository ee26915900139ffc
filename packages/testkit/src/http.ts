import { request } from "node:http";

/**
 * Sends a POST's headers announcing a body of `announcedBytes` and never sends the body; resolves
 * with the status of the answer. A server that reads bodies before checking the headers would wait
 * for it: that a status comes back at all shows the server refused from the headers alone.
 */
export function statusBeforeBody(
  url: string,
  headers: Record<string, string>,
  announcedBytes: number,
): Promise<number> {
  const target = new URL(url);
  return new Promise<number>((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: "POST",
        headers: { ...headers, "content-type": "application/json", "content-length": String(announcedBytes) },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      },
    );
    req.on("error", reject);
    req.flushHeaders();
  });
}
