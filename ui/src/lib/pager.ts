// Keyset paging for the virtualised lists: pages arrive in order from Rust,
// one request at a time, and a changed filter starts over without letting a
// late answer for the old filter in.

import type { Page } from "./generated/types";

export type FetchPage<T> = (cursor: string | null) => Promise<Page<T>>;

export class KeysetPager<T> {
  items: T[] = [];
  done = false;
  loading = false;
  private cursor: string | null = null;
  private generation = 0;

  constructor(
    private fetchPage: FetchPage<T>,
    private onChange: () => void = () => {},
  ) {}

  /**
   * Starts over with another query. The rows shown stay until its first
   * page arrives, so a failure (the network gone) loses nothing.
   */
  async restart(fetchPage: FetchPage<T>): Promise<void> {
    this.generation += 1;
    const generation = this.generation;
    this.loading = true;
    this.onChange();
    try {
      const page = await fetchPage(null);
      if (generation !== this.generation) return;
      this.fetchPage = fetchPage;
      this.items = page.items;
      this.cursor = page.next_cursor;
      this.done = page.next_cursor === null;
    } finally {
      if (generation === this.generation) {
        this.loading = false;
        this.onChange();
      }
    }
  }

  /** Loads the next page unless one is loading or none is left. Errors propagate. */
  async more(): Promise<void> {
    if (this.loading || this.done) return;
    const generation = this.generation;
    this.loading = true;
    this.onChange();
    try {
      const page = await this.fetchPage(this.cursor);
      if (generation !== this.generation) return;
      this.items = this.items.concat(page.items);
      this.cursor = page.next_cursor;
      this.done = page.next_cursor === null;
    } finally {
      if (generation === this.generation) {
        this.loading = false;
        this.onChange();
      }
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
