// Answers in the order they were asked for. A screen's load may be slow and
// the operator may have asked for something else meanwhile (another
// account, another filter): an answer to an older request is dropped, never
// shown as the answer to the newer one. `current` says whether what the
// screen shows answers the latest request, so that the screen can mark it
// out of date while a request is on its way or after it failed.

export class Latest {
  /** What is shown answers the latest request. */
  current = $state(true);
  private asked = 0;

  /**
   * Runs `load` as the latest request. Its answer, or undefined when a
   * later request started meanwhile or `load` gave none (the network is
   * gone: `app.guard` raised the banner). Errors propagate, leaving what is
   * shown marked out of date.
   */
  async take<T>(load: () => Promise<T | undefined>): Promise<T | undefined> {
    this.asked += 1;
    const mine = this.asked;
    this.current = false;
    const answer = await load();
    if (mine !== this.asked) return undefined;
    if (answer !== undefined) this.current = true;
    return answer;
  }
}
