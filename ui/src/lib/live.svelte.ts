// The console, live: Rust follows the service's event stream and sends each
// update here (`onLive`). This keeps what the whole window shows from it —
// whether the stream is up, the counts on the navigation — and hands each
// change to the screens that asked (`subscribe`), which update in place.

import type { LiveEvent, LiveStatus, LiveUpdate } from "./generated/types";
import { app, type Route } from "./state.svelte";

/** The navigation's counts; `null` until known (or not the role's). */
export type NavCounts = { alerts: number | null; approvals: number | null; disputes: number | null };

/** Another operator's step on a record shown: who (by name where the
 *  service gives it), which event, when (ms). */
export type ActedOn = { actor: string; kind: string; at: number };

/** Lists read for a count: beyond this it shows "200+". */
const COUNT_PAGE = 200;
/** Changes come in bursts (a bulk close, the end of day): counts follow once per burst. */
const COUNTS_AFTER_MS = 400;

class Live {
  /** The stream's state; `null` before the first answer. */
  status = $state<LiveStatus | null>(null);
  counts = $state<NavCounts>({ alerts: null, approvals: null, disputes: null });
  /** Whether the counts are being read: each widens its button when it
   * lands, so the window tests wait for them before they click. */
  countsLoading = $state(true);
  /** Counts that reached their page: more than shown. */
  countsCapped = $state({ approvals: false, disputes: false });
  /** Bumped when screens must load again (the stream came back after a gap). */
  reloads = $state(0);
  private listeners = new Set<(event: LiveEvent) => void>();
  private gapListeners = new Set<() => void>();
  private following: string | null = null;
  private unlisten: (() => void)[] = [];
  private countsTimer: ReturnType<typeof setTimeout> | undefined;

  /** Follows the stream for the operator signed in now (once per session). */
  async follow(): Promise<void> {
    const operator = app.operator?.id ?? null;
    if (!operator || this.following === operator) return;
    this.following = operator;
    if (this.unlisten.length === 0) {
      this.unlisten.push(await app.backend.onLive((update) => this.handle(update)));
      this.unlisten.push(
        await app.backend.onLiveOpen((open) => {
          const route: Route =
            open.screen === "approvals" ? { view: "approvals" }
            : open.screen === "disputes" ? { view: "disputes", id: open.id }
            : { view: "queue", alert: open.id };
          app.go(route);
        }),
      );
    }
    await app.guard(() => app.backend.followLive());
    this.refreshCounts();
  }

  /** The session ended or another operator signs in: follow theirs next. */
  forget(): void {
    this.following = null;
    this.status = null;
    this.counts = { alerts: null, approvals: null, disputes: null };
    this.countsLoading = true;
  }

  /** A screen's handler of each change; returns the unsubscribe. */
  subscribe(handler: (event: LiveEvent) => void): () => void {
    this.listeners.add(handler);
    return () => void this.listeners.delete(handler);
  }

  /**
   * Loads a list again when a change of its kind (`kind` is a prefix:
   * `limit_change.`) commits, or after a gap — once per burst. For screens
   * that show a list as the service orders it; returns the unsubscribe.
   */
  reloadOn(kind: string, load: () => unknown): () => void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Once per burst, and at least that often through a steady flow.
    const soon = () => {
      timer ??= setTimeout(() => {
        timer = undefined;
        load();
      }, COUNTS_AFTER_MS);
    };
    const unsubscribe = this.subscribe((event) => {
      if (event.kind.startsWith(kind)) soon();
    });
    this.gapListeners.add(soon);
    return () => {
      clearTimeout(timer);
      unsubscribe();
      this.gapListeners.delete(soon);
    };
  }

  handle(update: LiveUpdate): void {
    switch (update.type) {
      case "event":
        this.listeners.forEach((handler) => handler(update.event));
        this.countsSoon();
        break;
      case "status":
        this.status = update.status;
        break;
      case "reload":
        this.reloads += 1;
        this.gapListeners.forEach((reload) => reload());
        this.countsSoon();
        break;
      case "ended":
        this.forget();
        break;
    }
  }

  private countsSoon(): void {
    this.countsTimer ??= setTimeout(() => {
      this.countsTimer = undefined;
      this.refreshCounts();
    }, COUNTS_AFTER_MS);
  }

  /** The navigation's counts, each read only when the role reads its list. */
  refreshCounts(): void {
    const me = app.operator;
    if (!me) return;
    const may = (p: (typeof me.permissions)[number]) => me.permissions.includes(p);
    const quietly = async <T>(work: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await work();
      } catch {
        return undefined; // a count is a hint: the screens show the errors
      }
    };
    const reads: Promise<void>[] = [];
    this.countsLoading = true;
    if (may("read_alerts")) {
      reads.push(quietly(() => app.backend.alertCounts({})).then((c) => {
        if (c) this.counts.alerts = c.open;
      }));
    }
    if (may("approve_limit_change")) {
      reads.push(quietly(() => app.backend.limitChanges({ status: "pending", limit: COUNT_PAGE })).then((page) => {
        if (!page) return;
        const mine = page.items.filter(
          (c) => c.maker !== me.id && (c.tier !== "manager" || me.role === "manager"),
        );
        this.counts.approvals = mine.length;
        this.countsCapped.approvals = page.next_cursor !== null;
      }));
    }
    if (may("read_disputes")) {
      reads.push(Promise.all(
        (["open", "escalated"] as const).map((status) =>
          quietly(() => app.backend.disputes({ status, limit: COUNT_PAGE })),
        ),
      ).then((pages) => {
        if (pages.some((p) => !p)) return;
        const now = Date.now();
        const overdue = pages.flatMap((p) => p?.items ?? []).filter((d) => Date.parse(d.sla_due_at) < now);
        this.counts.disputes = overdue.length;
        this.countsCapped.disputes = pages.some((p) => p?.next_cursor);
      }));
    }
    void Promise.allSettled(reads).then(() => {
      this.countsLoading = false;
    });
  }
}

export const live = new Live();
