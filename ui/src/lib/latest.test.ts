import { describe, expect, it } from "vitest";
import { Latest } from "./latest.svelte";

/** A request whose answer the test gives when it likes. */
function slow<T>() {
  let answer: (value: T | undefined) => void = () => {};
  const promise = new Promise<T | undefined>((resolve) => (answer = resolve));
  return { load: () => promise, answer };
}

describe("Latest", () => {
  it("drops an older request's late answer", async () => {
    const latest = new Latest();
    const first = slow<string>();
    const older = latest.take(first.load);
    const newer = latest.take(async () => "account 2");
    expect(await newer).toBe("account 2");
    first.answer("account 1");
    expect(await older).toBeUndefined();
    expect(latest.current).toBe(true);
  });

  it("marks what is shown out of date while a request is on its way and after it failed", async () => {
    const latest = new Latest();
    expect(latest.current).toBe(true);
    const pending = slow<string>();
    const taken = latest.take(pending.load);
    expect(latest.current).toBe(false);
    pending.answer(undefined); // offline: the guard gave no answer
    expect(await taken).toBeUndefined();
    expect(latest.current).toBe(false);
    await expect(latest.take(async () => Promise.reject(new Error("refused")))).rejects.toThrow("refused");
    expect(latest.current).toBe(false);
    expect(await latest.take(async () => "fresh")).toBe("fresh");
    expect(latest.current).toBe(true);
  });
});
