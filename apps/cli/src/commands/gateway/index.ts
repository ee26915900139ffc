import { Command } from "commander";
import { gatewayKeysCommand } from "./keys";
import { gatewayStartCommand } from "./start";

/** `noos gateway start` and `noos gateway keys create|list|revoke`. */
export function gatewayCommand(): Command {
  return new Command("gateway")
    .description("run an OpenAI-compatible gateway paid from your billing escrow, and manage its API keys")
    .addCommand(gatewayStartCommand())
    .addCommand(gatewayKeysCommand());
}
