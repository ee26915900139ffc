import { GATEWAY_DEFAULTS } from "@noosphere/gateway";
import { HELP_DEFAULTS } from "./lazy";

it("shows the gateway's real defaults in --help", () => {
  for (const [key, value] of Object.entries(HELP_DEFAULTS)) {
    expect(GATEWAY_DEFAULTS[key as keyof typeof GATEWAY_DEFAULTS]).toBe(value);
  }
});
