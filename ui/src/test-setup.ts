// jsdom lacks ResizeObserver, which Svelte's `bind:clientHeight` uses; the
// component tests need no real layout, so it observes nothing.
class NoLayoutResizeObserver {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
}
globalThis.ResizeObserver ??= NoLayoutResizeObserver as unknown as typeof ResizeObserver;
