import { describe, expect, it } from "vitest";
import { secretEntry } from "../../model/rules/secrets";

const RANDOM_TOKEN = "Zq8Xw2Lm9Rt4Yu7Io1Pa5Sd3Fg6Hj0Kl2Zx4Cv8B";

describe("secretEntry: whether a named plain value is a credential, and why", () => {
  it.each([
    {
      name: "ANTHROPIC_API_KEY",
      value: "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
      why: "holds what looks like an OpenAI/Anthropic API key (sk-...)",
    },
    { name: "DB_PASSWORD", value: "hunter2", why: "has a plain value under a secret's name" },
    { name: "DB_PASSWORD", value: " ", why: undefined },
    // Public and non-secret keys an app's env holds in clear, random-looking or not.
    { name: "VAPID_PUBLIC_KEY", value: RANDOM_TOKEN, why: undefined },
    { name: "STRIPE_PUBLISHABLE_KEY", value: `pk_live_${RANDOM_TOKEN}`, why: undefined },
    { name: "POSTHOG_KEY", value: `phc_${RANDOM_TOKEN}`, why: undefined },
    { name: "IDEMPOTENCY_KEY", value: "9f86d081884c7d659a2feaa0c55ad015", why: undefined },
    { name: "CACHE_KEY", value: "sessions-v2", why: undefined },
    { name: "routingKey", value: "eu-west", why: undefined },
    { name: "KEYS", value: RANDOM_TOKEN, why: undefined },
    { name: "MAX_TOKENS", value: "4096", why: undefined },
    { name: "", value: "hunter2", why: undefined },
  ])("$name = $value: $why", ({ name, value, why }) => {
    expect(secretEntry(name, value)).toBe(why);
  });
});
