import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it } from "vitest";
import { MockBackend } from "../lib/mock";
import { app } from "../lib/state.svelte";
import SignIn from "./SignIn.svelte";

let backend: MockBackend;

beforeEach(async () => {
  backend = new MockBackend();
  app.backend = backend;
  app.applyStartup(await backend.start());
  app.screen = "sign_in";
  app.notice = null;
});

describe("signing in", () => {
  it("sends the form, clears the secrets from the page and enters the console", async () => {
    render(SignIn);
    await fireEvent.input(screen.getByRole("textbox", { name: "操作员" }), { target: { value: "officer.li" } });
    const password = document.querySelector<HTMLInputElement>("input[name=password]")!;
    await fireEvent.input(password, { target: { value: "secret-password" } });
    await fireEvent.input(document.querySelector("input[name=totp]")!, { target: { value: "123456" } });
    await fireEvent.submit(document.querySelector("form")!);
    await waitFor(() => expect(app.screen).toBe("main"));
    expect(backend.callsOf("sign_in")).toHaveLength(1);
    expect(password.value).toBe("");
  });

  it("offers the demo operators without showing their passwords", async () => {
    render(SignIn);
    await fireEvent.click(screen.getByTestId("demo-officer.li"));
    await waitFor(() => expect(app.screen).toBe("main"));
    expect(document.body.textContent).not.toContain("password");
  });

  it("shows the keychain screen when the keychain is locked", async () => {
    backend.failures.set("sign_in_demo", { code: "keychain_unavailable", message: "unlock your login keyring" });
    render(SignIn);
    await fireEvent.click(screen.getByTestId("demo-officer.li"));
    await waitFor(() => expect(app.screen).toBe("keychain"));
    expect(app.notice).toContain("unlock");
  });

  it("says why a sign-in was refused", async () => {
    backend.failures.set("sign_in", { code: "invalid_credentials", message: "wrong password or code" });
    render(SignIn);
    await fireEvent.submit(document.querySelector("form")!);
    await waitFor(() => expect(screen.getByTestId("sign-in-error").textContent).toContain("wrong password"));
    expect(app.screen).toBe("sign_in");
  });
});
