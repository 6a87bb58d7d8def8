import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import App from "./App.svelte";
import { MockBackend } from "./lib/mock";
import { app } from "./lib/state.svelte";

let backend: MockBackend;

beforeEach(async () => {
  backend = new MockBackend();
  // Signed in from the keychain, with a short idle limit for the test.
  await backend.signIn();
  backend.idleLockSecs = 0.3;
  // The idle lock's own clock is paused: only the test moves it, so a busy
  // machine cannot lock a console the test keeps busy. (waitFor polls on
  // setInterval, which stays real.)
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
});

afterEach(() => {
  vi.useRealTimers();
});

async function signedIn() {
  render(App, { backend });
  await waitFor(() => expect(app.screen).toBe("main"));
}

describe("the idle lock", () => {
  it("ends the session after the idle limit and returns to the same screen after signing in", async () => {
    await signedIn();
    app.go({ view: "audit" });
    vi.advanceTimersByTime(299);
    expect(app.screen).toBe("main");
    vi.advanceTimersByTime(1);
    await waitFor(() => expect(app.screen).toBe("sign_in"));
    expect(backend.callsOf("sign_out")).toHaveLength(1);
    expect(app.operator).toBeNull();
    // The notice comes once sign-out has run: the keychain no longer holds the session.
    await waitFor(() => expect(screen.getByRole("status").textContent).toContain("无操作"));
    const operator = screen.getByRole("textbox", { name: "操作员" }) as HTMLInputElement;
    expect(operator.value).toBe("officer.li");
    expect(document.querySelector("nav.topbar")).toBeNull();

    await fireEvent.input(document.querySelector("input[name=password]")!, { target: { value: "pw" } });
    await fireEvent.input(document.querySelector("input[name=totp]")!, { target: { value: "123456" } });
    await fireEvent.submit(document.querySelector("form")!);
    await waitFor(() => expect(app.screen).toBe("main"));
    expect(app.route).toEqual({ view: "audit" });
  });

  it("stays open while the operator works", async () => {
    await signedIn();
    for (let i = 0; i < 6; i++) {
      vi.advanceTimersByTime(200);
      await fireEvent.pointerMove(window);
    }
    expect(app.screen).toBe("main");
    expect(backend.callsOf("sign_out")).toHaveLength(0);
    vi.advanceTimersByTime(300);
    await waitFor(() => expect(app.screen).toBe("sign_in"));
  });
});

describe("the search shortcut", () => {
  it("is / anywhere but in a field, where / is typed", async () => {
    await signedIn();
    const search = screen.getByTestId("search-input");
    const note = document.createElement("textarea");
    document.body.append(note);
    note.focus();
    await fireEvent.keyDown(note, { key: "/" });
    expect(document.activeElement).toBe(note);
    note.remove();
    await fireEvent.keyDown(document.body, { key: "/" });
    expect(document.activeElement).toBe(search);
  });
});

describe("the first screen", () => {
  it("is drawn in the stored language, read before the service starts", async () => {
    backend.storedPreferences = { ...backend.storedPreferences, lang: "en" };
    backend.start = () => {
      backend.calls.push({ command: "start", args: null });
      return new Promise(() => {});
    };
    render(App, { backend });
    await waitFor(() => expect(app.screen).toBe("starting"));
    expect(screen.getByTestId("starting").textContent).toContain("Starting");
    const commands = backend.calls.map((c) => c.command);
    expect(commands.indexOf("preferences")).toBeLessThan(commands.indexOf("start"));
  });
});
