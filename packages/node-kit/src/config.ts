import fs from "node:fs";

export type ConfigValue = string | number | boolean | undefined;

export class ConfigError extends Error {}

/**
 * Resolves one service's settings with the precedence flags > environment (NOOS_<KEY> in
 * upper snake case) > JSON config file > defaults, and converts each to the default's type.
 */
export function resolveConfig<T extends Record<string, ConfigValue>>(
  defaults: T,
  sources: { flags?: Partial<Record<keyof T, ConfigValue>>; env?: NodeJS.ProcessEnv; file?: string },
): T {
  const env = sources.env ?? process.env;
  const fromFile = sources.file ? readConfigFile(sources.file) : {};
  const out: Record<string, ConfigValue> = {};
  for (const key of Object.keys(defaults)) {
    const envKey = `NOOS_${key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()}`;
    const raw = sources.flags?.[key] ?? env[envKey] ?? fromFile[key] ?? defaults[key];
    out[key] = coerce(key, raw, defaults[key]);
  }
  return out as T;
}

function readConfigFile(file: string): Record<string, ConfigValue> {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, ConfigValue>;
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
}

function coerce(key: string, raw: ConfigValue, fallback: ConfigValue): ConfigValue {
  if (raw === undefined || typeof fallback === "string" || fallback === undefined) {
    return raw === undefined ? raw : String(raw);
  }
  if (typeof fallback === "number") {
    const n = Number(raw);
    if (!Number.isFinite(n)) throw new ConfigError(`setting ${key} must be a number, got ${JSON.stringify(raw)}`);
    return n;
  }
  if (typeof raw === "boolean") return raw;
  if (["1", "true", "yes"].includes(String(raw).toLowerCase())) return true;
  if (["0", "false", "no"].includes(String(raw).toLowerCase())) return false;
  throw new ConfigError(`setting ${key} must be true or false, got ${JSON.stringify(raw)}`);
}
