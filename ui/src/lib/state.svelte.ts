// The console's shared state: which screen, who is signed in, the operator's
// preferences, and the offline banner. Screens read it and call `guard` around
// every backend call, so that a lost session or a lost network is handled the
// same way everywhere.

import { BackendError, type Backend, type OfflineCode } from "./backend";
import type {
  AccountQuery,
  AlertStatus,
  DemoOperatorView,
  Rule,
  OperatorView,
  Preferences,
  Progress,
  ServiceInfo,
  Startup,
} from "./generated/types";
import { errorText, t, type WordKey } from "./i18n";

export type Route =
  /** The queue; a drill-down names a rule and a status to open it at, a
   *  notice the alert to show in the panel. */
  | { view: "queue"; rule?: Rule; status?: AlertStatus | null; alert?: number }
  | { view: "dashboard" }
  | { view: "approvals" }
  /** The blacklist; `entry` opens that entry (found among entries matching `q`). */
  | { view: "blacklist"; entry?: number; q?: string }
  | { view: "rules" }
  | { view: "audit" }
  | { view: "team" }
  | { view: "disputes"; id?: number }
  | { view: "cases"; id?: number }
  /** An account; `section` scrolls to one of its sections once shown. */
  | { view: "account"; id: number; section?: "links" }
  | { view: "transactions"; id: number }
  /** Accounts found by a search (`q`), or by a drill-down's filter. */
  | { view: "accounts"; query: AccountQuery };

/** `booting`: nothing drawn until the stored language is known. */
export type Screen = "booting" | "starting" | "connect" | "keychain" | "sign_in" | "main";

class AppState {
  backend!: Backend;
  screen = $state<Screen>("booting");
  route = $state<Route>({ view: "queue" });
  history = $state<Route[]>([]);
  preferences = $state<Preferences>({
    lang: "zh",
    theme: "light",
    notices: { critical_alerts: true, approvals: true, escalated_disputes: true, quiet_from: null, quiet_to: null },
  });
  service = $state<ServiceInfo | null>(null);
  demoOperators = $state<DemoOperatorView[]>([]);
  operator = $state<OperatorView | null>(null);
  progress = $state<Progress | null>(null);
  /** Why the current screen is shown (a failed connection, a lost session …). */
  notice = $state<string | null>(null);
  /** The line to the service is down, and how (the banner says which). */
  offline = $state<OfflineCode | null>(null);
  /** When the service last answered (ms since the epoch): the banner says how old the screen may be. */
  lastAnswerAt = $state<number | null>(null);
  /** How long the window may go without input before it locks. */
  idleLockMs = 15 * 60 * 1000;
  /** Who was signed in when the window locked: the sign-in form starts with them. */
  lockedOperatorId = $state<string | null>(null);
  private retry: (() => void) | null = null;
  /** Where to go back to when the same operator signs in again. */
  private resumeAt: { operator: string; route: Route } | null = null;

  tr = (key: WordKey): string => t(this.preferences.lang, key);
  /** What a failed call says to the operator, in their language. */
  errorText = (e: unknown): string =>
    e instanceof BackendError ? errorText(this.preferences.lang, e) : e instanceof Error ? e.message : String(e);

  /** Opens the window: connect (or start the demo), then resume the session. */
  async boot(backend: Backend): Promise<void> {
    this.backend = backend;
    try {
      this.preferences = await backend.preferences();
    } catch {
      // Unreadable settings are reported by `start`, on the screen for them.
    }
    this.screen = "starting";
    const unlisten = await backend.onProgress((p) => (this.progress = p));
    try {
      const startup = await backend.start();
      this.applyStartup(startup);
      if (!startup.service) {
        this.notice = startup.service_error?.message ?? null;
        this.screen = "connect";
        return;
      }
      await this.resume();
    } catch (e) {
      this.notice = this.errorText(e);
      this.screen = "connect";
    } finally {
      unlisten();
      this.progress = null;
    }
  }

  applyStartup(startup: Startup): void {
    this.idleLockMs = startup.idle_lock_secs * 1000;
    this.preferences = startup.preferences;
    this.service = startup.service;
    this.demoOperators = startup.demo_operators;
  }

  /** Resumes from the keychain; a locked keychain gets its own screen. */
  async resume(): Promise<void> {
    try {
      const operator = await this.backend.resume();
      if (operator) this.enter(operator);
      else this.screen = "sign_in";
    } catch (e) {
      if (e instanceof BackendError && e.code.startsWith("keychain")) {
        this.notice = this.errorText(e);
        this.screen = "keychain";
      } else {
        this.notice = this.errorText(e);
        this.screen = "sign_in";
      }
    }
  }

  enter(operator: OperatorView): void {
    this.operator = operator;
    this.lockedOperatorId = null;
    this.notice = null;
    this.screen = "main";
    const resume = this.resumeAt;
    this.resumeAt = null;
    if (resume?.operator === operator.id) {
      this.route = resume.route;
    } else {
      this.route = operator.permissions.includes("read_alerts") ? { view: "queue" } : home(operator);
      this.history = [];
    }
  }

  async signOut(): Promise<void> {
    await this.guard(() => this.backend.signOut(), () => this.signOut());
    this.operator = null;
    this.route = { view: "queue" };
    this.history = [];
    this.screen = "sign_in";
  }

  /**
   * The idle lock: the console has gone `idleLockMs` without input. The
   * session ends (signed out at the service and in the keychain), the
   * screen's data goes with the screen, and signing in again — password and
   * TOTP — returns to this route.
   */
  async lock(): Promise<void> {
    if (this.screen !== "main" || !this.operator) return;
    this.resumeAt = { operator: this.operator.id, route: this.route };
    this.lockedOperatorId = this.operator.id;
    this.operator = null;
    this.offline = null;
    this.notice = null;
    this.screen = "sign_in";
    try {
      await this.backend.signOut();
    } catch {
      // Unreachable service: its session ends by itself when idle this long.
    }
    // Said once the keychain has let the session go, not before.
    if (this.screen === "sign_in" && !this.operator) this.notice = this.tr("lockedIdle");
  }

  go(route: Route): void {
    this.history = [...this.history.slice(-30), this.route];
    this.route = route;
  }

  back(): void {
    const previous = this.history.at(-1);
    if (previous) {
      this.history = this.history.slice(0, -1);
      this.route = previous;
    }
  }

  async setPreferences(change: Partial<Preferences>): Promise<void> {
    this.preferences = { ...this.preferences, ...change };
    document.documentElement.lang = this.preferences.lang === "zh" ? "zh-CN" : "en";
    await this.guard(() => this.backend.setPreferences(this.preferences));
  }

  /**
   * Runs a backend call for a screen. A lost session goes to sign-in and,
   * once signed in again, back to this route; a lost network raises the
   * offline banner, whose Retry runs `again` (the screen's own load). Either
   * way the screen keeps what it shows. Returns undefined when the call
   * failed that way; other errors are the screen's to show.
   */
  async guard<T>(work: () => Promise<T>, again: () => unknown = () => {}): Promise<T | undefined> {
    try {
      const answer = await work();
      this.lastAnswerAt = Date.now();
      return answer;
    } catch (e) {
      if (e instanceof BackendError && e.sessionLost) {
        // An answer to a session already signed out (a poll still on its
        // way) changes nothing: whoever signs in next starts afresh.
        if (!this.operator) return undefined;
        this.resumeAt = { operator: this.operator.id, route: this.route };
        this.operator = null;
        this.notice = this.tr("sessionEnded");
        this.screen = "sign_in";
        return undefined;
      }
      if (e instanceof BackendError && e.offline) {
        this.offline = e.code as OfflineCode;
        this.retry = again;
        return undefined;
      }
      throw e;
    }
  }

  /** The banner's Retry: runs the failed load again; if it fails again, the banner returns. */
  retryNow(): void {
    const again = this.retry;
    this.offline = null;
    this.retry = null;
    again?.();
  }
}

export const app = new AppState();

/** Where an operator who may not read the alert queue starts. */
function home(operator: OperatorView): Route {
  const may = (p: OperatorView["permissions"][number]) => operator.permissions.includes(p);
  if (may("read_disputes")) return { view: "disputes" };
  if (may("manage_operators")) return { view: "team" };
  if (may("read_audit")) return { view: "audit" };
  return { view: "queue" };
}
