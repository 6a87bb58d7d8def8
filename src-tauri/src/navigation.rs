//! The window shows the app and nothing else. A navigation away from the
//! app's own pages is refused; a web or mail link is handed to the
//! operator's browser or mail program instead, outside the app.

use tauri::plugin::TauriPlugin;
use tauri::{Runtime, Url};

pub fn guard<R: Runtime>() -> TauriPlugin<R> {
    tauri::plugin::Builder::new("navigation-guard")
        .on_navigation(|_, url| {
            if is_app(url, tauri::is_dev()) {
                return true;
            }
            if is_external_link(url) {
                if let Err(error) = open::that_detached(url.as_str()) {
                    tracing::warn!(%error, "a link could not be opened outside the app");
                }
            } else {
                // The URL itself is not logged: it is whatever the page held.
                tracing::warn!(
                    scheme = url.scheme(),
                    "a navigation away from the app was refused"
                );
            }
            false
        })
        .build()
}

/// The app's own pages: its embedded assets, and the dev server when `dev`
/// (`tauri dev`). Tauri lets the isolation frame through before this is asked.
pub fn is_app(url: &Url, dev: bool) -> bool {
    let host = url.host_str();
    match url.scheme() {
        "tauri" => host == Some("localhost"),
        // How the app's origin looks on Windows.
        "http" | "https" if host == Some("tauri.localhost") => true,
        "http" if dev => host == Some("localhost"),
        _ => false,
    }
}

/// A link the operator may follow, outside the app.
pub fn is_external_link(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https" | "mailto")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn only_the_apps_own_pages_load_in_the_window() {
        assert!(is_app(&url("tauri://localhost/index.html"), false));
        assert!(is_app(&url("http://tauri.localhost/"), false));
        assert!(is_app(&url("http://localhost:5173/"), true));
        for elsewhere in [
            "https://example.com/",
            "tauri://evil.example/",
            "file:///etc/passwd",
            "data:text/html,<script>alert(1)</script>",
            "javascript:alert(1)",
            "http://localhost:5173/",
        ] {
            assert!(!is_app(&url(elsewhere), false), "{elsewhere}");
        }
    }

    #[test]
    fn web_and_mail_links_open_outside_and_nothing_else_does() {
        assert!(is_external_link(&url("https://example.com/")));
        assert!(is_external_link(&url("mailto:risk@example.com")));
        for refused in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "data:text/plain,x",
        ] {
            assert!(!is_external_link(&url(refused)), "{refused}");
        }
    }
}
