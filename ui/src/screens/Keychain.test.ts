import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it } from "vitest";
import { MockBackend } from "../lib/mock";
import { app } from "../lib/state.svelte";
import Keychain from "./Keychain.svelte";

let backend: MockBackend;

beforeEach(async () => {
  backend = new MockBackend();
  app.backend = backend;
  app.screen = "keychain";
  app.notice = "the system keychain cannot be reached";
});

describe("the keychain screen", () => {
  it("stays, with the reason, while the keychain still cannot be used", async () => {
    backend.failures.set("check_keychain", { code: "keychain_unavailable", message: "still locked: unlock it" });
    render(Keychain);
    await fireEvent.click(screen.getByTestId("keychain-retry"));
    await waitFor(() => expect(app.notice).toBe("系统钥匙串不可用\nstill locked: unlock it"));
    expect(app.screen).toBe("keychain");
    expect(backend.callsOf("resume")).toHaveLength(0);
  });

  it("goes on to sign-in once the keychain answers", async () => {
    render(Keychain);
    await fireEvent.click(screen.getByTestId("keychain-retry"));
    await waitFor(() => expect(app.screen).toBe("sign_in"));
  });
});
