import { describe, expect, it } from "vitest";
import { KeysetPager } from "./pager.svelte";
import type { Page } from "./generated/types";

function pages(total: number, size: number) {
  const asked: (string | null)[] = [];
  const fetch = async (cursor: string | null): Promise<Page<number>> => {
    asked.push(cursor);
    const start = cursor ? Number(cursor) : 0;
    const items = Array.from({ length: Math.min(size, total - start) }, (_, i) => start + i);
    return { items, next_cursor: start + size < total ? String(start + size) : null };
  };
  return { fetch, asked };
}

describe("KeysetPager", () => {
  it("loads pages in order, each once, until the last", async () => {
    const { fetch, asked } = pages(250, 100);
    const pager = new KeysetPager(fetch);
    await pager.fill(1000);
    expect(pager.items).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(pager.done).toBe(true);
    expect(asked).toEqual([null, "100", "200"]);
    await pager.more();
    expect(asked).toHaveLength(3);
  });

  it("never mixes an old query's late page into a new one", async () => {
    let release: (page: Page<string>) => void = () => {};
    const slow = () => new Promise<Page<string>>((resolve) => (release = resolve));
    const pager = new KeysetPager<string>(slow);
    const old = pager.more();
    await pager.restart(async () => ({ items: ["new"], next_cursor: null }));
    release({ items: ["old"], next_cursor: null });
    await old;
    expect(pager.items).toEqual(["new"]);
  });

  it("keeps the rows it has when a new query fails", async () => {
    const { fetch } = pages(10, 5);
    const pager = new KeysetPager(fetch);
    await pager.more();
    await expect(pager.restart(async () => Promise.reject(new Error("offline")))).rejects.toThrow();
    expect(pager.items).toEqual([0, 1, 2, 3, 4]);
    expect(pager.loading).toBe(false);
    expect(pager.current).toBe(false); // they answer the old query
    await pager.restart(fetch);
    expect(pager.current).toBe(true);
  });

  it("lets a failed page be asked for again", async () => {
    let fail = true;
    const pager = new KeysetPager<number>(async () => {
      if (fail) throw new Error("offline");
      return { items: [1], next_cursor: null };
    });
    await expect(pager.more()).rejects.toThrow("offline");
    expect(pager.loading).toBe(false);
    fail = false;
    await pager.more();
    expect(pager.items).toEqual([1]);
  });
});
