import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it } from "vitest";
import App from "./App.svelte";
import { MockBackend } from "./lib/mock";
import { app } from "./lib/state.svelte";

let backend: MockBackend;

beforeEach(async () => {
  backend = new MockBackend();
  // Signed in from the keychain, with a short idle limit for the test.
  await backend.signIn();
  backend.idleLockSecs = 0.3;
});

async function signedIn() {
  render(App, { backend });
  await waitFor(() => expect(app.screen).toBe("main"));
}

describe("the idle lock", () => {
  it("ends the session after the idle limit and returns to the same screen after signing in", async () => {
    await signedIn();
    app.go({ view: "audit" });
    await waitFor(() => expect(app.screen).toBe("sign_in"), { timeout: 2000 });
    expect(backend.callsOf("sign_out")).toHaveLength(1);
    expect(app.operator).toBeNull();
    expect(screen.getByRole("status").textContent).toContain("无操作");
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
      await new Promise((resolve) => setTimeout(resolve, 100));
      await fireEvent.pointerMove(window);
    }
    expect(app.screen).toBe("main");
    expect(backend.callsOf("sign_out")).toHaveLength(0);
    await waitFor(() => expect(app.screen).toBe("sign_in"), { timeout: 2000 });
  });
});
