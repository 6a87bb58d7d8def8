// The isolation application (Tauri's isolation pattern): every message
// from the page to the app passes through here, in a sandboxed frame that
// the page's scripts cannot reach. Only the app's own commands and event
// listening go on; anything else a compromised page tries is dropped here,
// before the capability check in the app refuses it again.

const COMMANDS = new Set([
  "start",
  "connect",
  "resume",
  "check_keychain",
  "sign_in",
  "sign_in_demo",
  "sign_out",
  "set_preferences",
  "alerts",
  "alert_counts",
  "accounts",
  "account",
  "account_chart",
  "transactions",
  "decide",
  "alert",
  "alert_notes",
  "limit_changes",
  "blacklist",
  "freezes",
  "normalise_blacklist",
  "audit",
  "verify_audit",
  "reveal",
  "disputes",
  "dispute",
  "export",
  "cancel_export",
  "fraud_dashboard",
  "credit_dashboard",
  "export_chart",
  "team",
  "operator_sessions",
  "plugin:event|listen",
  "plugin:event|unlisten",
]);

window.__TAURI_ISOLATION_HOOK__ = (payload) => {
  if (!COMMANDS.has(payload.cmd)) {
    throw new Error(`refused by the isolation application: ${payload.cmd}`);
  }
  return payload;
};
