// Keyset paging for the virtualised lists: pages arrive in order from Rust,
// one request at a time, and a changed filter starts over without letting a
// late answer for the old filter in. Its fields are reactive: screens render
// `items`, `loading` and `done` directly.

import type { Page } from "./generated/types";

export type FetchPage<T> = (cursor: string | null) => Promise<Page<T>>;

const nothing = async () => ({ items: [], next_cursor: null });

export class KeysetPager<T> {
  // Raw: rows are replaced, never edited in place; deep reactivity would
  // wrap each of tens of thousands in a proxy.
  items = $state.raw<T[]>([]);
  done = $state(false);
  loading = $state(false);
  /** The rows answer the latest query: false from `restart` until its first page is in. */
  current = $state(true);
  private cursor: string | null = null;
  private generation = 0;

  /** Empty until `restart` gives it a query (tests may pass one here). */
  constructor(private fetchPage: FetchPage<T> = nothing) {}

  /**
   * Starts over with another query. The rows shown stay until its first
   * page arrives, so a failure (the network gone) loses nothing, but they
   * are not `current` meanwhile: they answer the old query.
   */
  async restart(fetchPage: FetchPage<T>): Promise<void> {
    this.generation += 1;
    const generation = this.generation;
    this.loading = true;
    this.current = false;
    try {
      const page = await fetchPage(null);
      if (generation !== this.generation) return;
      this.current = true;
      this.fetchPage = fetchPage;
      this.items = page.items;
      this.cursor = page.next_cursor;
      this.done = page.next_cursor === null;
    } finally {
      if (generation === this.generation) this.loading = false;
    }
  }

  /** Puts `item` in place of the row `matches` finds (a row changed by a decision). */
  /** Puts a row in at `index` (a new one, where the order puts it). */
  insert(index: number, item: T): void {
    const items = this.items.slice();
    items.splice(index, 0, item);
    this.items = items;
  }

  replace(matches: (row: T) => boolean, item: T): void {
    const index = this.items.findIndex(matches);
    if (index < 0) return;
    // A new array: the rows are raw state, seen to change only when replaced.
    const items = this.items.slice();
    items[index] = item;
    this.items = items;
  }

  /** Loads the next page unless one is loading or none is left. Errors propagate. */
  async more(): Promise<void> {
    if (this.loading || this.done) return;
    const generation = this.generation;
    this.loading = true;
    try {
      const page = await this.fetchPage(this.cursor);
      if (generation !== this.generation) return;
      this.items = this.items.concat(page.items);
      this.cursor = page.next_cursor;
      this.done = page.next_cursor === null;
    } finally {
      if (generation === this.generation) this.loading = false;
    }
  }

  /** Loads pages until `count` rows are in (or the list ends). */
  async fill(count: number): Promise<void> {
    while (!this.done && this.items.length < count) {
      const before = this.items.length;
      const generation = this.generation;
      await this.more();
      if (generation !== this.generation || this.items.length === before) return;
    }
  }
}
