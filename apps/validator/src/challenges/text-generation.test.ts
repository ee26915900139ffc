import type { TextGenerationModel } from "@noosphere/inference";
import { loadTinyModel } from "../testing/miner";
import { TextGenerationChallenges } from "./text-generation";
import PROMPTS from "./prompts.json";

describe("TextGenerationChallenges", () => {
  let model: TextGenerationModel;
  let task: TextGenerationChallenges;

  beforeAll(async () => {
    model = await loadTinyModel();
    task = new TextGenerationChallenges(model, { maxTokens: 24 });
  });
  afterAll(() => model.close());

  it("asks a bundled prompt greedily and keeps the reference run's answer", async () => {
    const c = await task.create(5);
    const body = c.body as { prompt: string; max_tokens: number; temperature: number };
    expect(PROMPTS).toContain(body.prompt);
    expect(body).toMatchObject({ max_tokens: 24, temperature: 0 });
    const again = await model.generate(body.prompt, { maxTokens: 24 });
    expect((c.expected as { text: string }).text).toBe(again.text);
    expect(task.reference).toEqual({ name: "noos-tiny", sha256: model.info.sha256 });
  });

  it("gives 1 to the reference answer, partial credit to a divergent one, 0 to anything else", async () => {
    const c = await task.create(11);
    const text = (c.expected as { text: string }).text;
    expect(task.grade(c.expected, { text })).toBe(1);
    const half = task.grade(c.expected, { text: text.slice(0, Math.floor(text.length / 2)) + " zzz qqq" });
    expect(half).toBeGreaterThan(0);
    expect(half).toBeLessThan(1);
    for (const junk of [null, "text", 42, { text: 5 }, { nope: text }]) expect(task.grade(c.expected, junk)).toBe(0);
  });
});
