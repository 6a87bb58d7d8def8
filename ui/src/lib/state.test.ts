import { beforeEach, describe, expect, it } from "vitest";
import { BackendError } from "./backend";
import { MockBackend, officer } from "./mock";
import { app } from "./state.svelte";
import type { OperatorView } from "./generated/types";

const admin: OperatorView = { id: "admin.sun", display_name: "孙管理", role: "admin", permissions: ["manage_operators"] };
const lost = () => Promise.reject(new BackendError({ code: "session_expired", message: "expired", current: null }));

beforeEach(() => {
  app.backend = new MockBackend();
  app.enter({ ...officer, permissions: ["read_alerts"] });
  app.notice = null;
});

describe("signing in after a session ends", () => {
  it("takes the same operator back where they were, and anyone else to their own start", async () => {
    app.go({ view: "blacklist" });
    await app.guard(lost);
    expect(app.screen).toBe("sign_in");

    app.enter(admin);
    expect(app.route).toEqual({ view: "team" });
    expect(app.history).toEqual([]);

    app.go({ view: "audit" });
    await app.guard(lost);
    app.enter({ ...officer, permissions: ["read_alerts"] });
    expect(app.route).toEqual({ view: "queue" });
  });

  it("returns the operator who lost the session to the screen they were on", async () => {
    app.go({ view: "blacklist" });
    await app.guard(lost);
    app.enter({ ...officer, permissions: ["read_alerts"] });
    expect(app.route).toEqual({ view: "blacklist" });
  });

  it("ignores an answer that arrives for a session already signed out", async () => {
    app.go({ view: "blacklist" });
    await app.signOut();
    await app.guard(lost);
    expect(app.notice).toBeNull();

    app.enter(admin);
    expect(app.route).toEqual({ view: "team" });
  });
});
