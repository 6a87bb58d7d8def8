//! The OS keychain: the only place a session token is kept. One entry per
//! operator and service origin (scheme, host and port, so that a token kept
//! for `https://host` is never sent to `http://host`), under the service
//! name `riskdesk`.
//!
//! When no keychain can be reached the operator is told what is wrong and how
//! to fix it; there is no fallback to a file or to memory.

/// The keychain's service name for every RiskDesk entry.
pub const SERVICE: &str = "riskdesk";

/// Why the keychain could not be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeychainError {
    /// No keychain answered, or it is locked.
    #[error(
        "the system keychain cannot be reached ({0}). RiskDesk keeps your session only there: \
         unlock your login keyring (on Linux: sign in to the desktop session, or start \
         gnome-keyring-daemon and unlock it), then try again"
    )]
    Unavailable(String),
    /// The keychain answered but refused or failed the operation.
    #[error("the system keychain refused the operation: {0}")]
    Failed(String),
}

/// A handle on the keychain entries of one service host.
#[derive(Clone, Debug)]
pub struct Keychain {
    host: String,
}

impl Keychain {
    /// Entries for the service at `host` (for example `https://risk.example.com:8640`).
    pub fn for_host(host: &str) -> Keychain {
        Keychain {
            host: host.to_owned(),
        }
    }

    /// Entries for the service a client talks to, named by its origin.
    pub fn for_client(client: &riskdesk_client::Client) -> Keychain {
        Keychain::for_host(&client.origin())
    }

    /// The keychain account name of an operator's entry: `operator@host`.
    pub fn account(&self, operator_id: &str) -> String {
        format!("{operator_id}@{}", self.host)
    }

    pub fn store(&self, operator_id: &str, secret: &str) -> Result<(), KeychainError> {
        let _turn = one_at_a_time();
        self.entry(operator_id)?
            .set_password(secret)
            .map_err(classify)
    }

    /// The stored secret, or `None` when there is no entry.
    pub fn load(&self, operator_id: &str) -> Result<Option<String>, KeychainError> {
        let _turn = one_at_a_time();
        match self.entry(operator_id)?.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(classify(e)),
        }
    }

    /// Removes the entry; removing a missing entry is not an error.
    pub fn delete(&self, operator_id: &str) -> Result<(), KeychainError> {
        let _turn = one_at_a_time();
        match self.entry(operator_id)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(classify(e)),
        }
    }

    fn entry(&self, operator_id: &str) -> Result<keyring::Entry, KeychainError> {
        keyring::Entry::new(SERVICE, &self.account(operator_id)).map_err(classify)
    }
}

/// Keychain calls from this process, one at a time. gnome-keyring races
/// between overlapping calls (its log shows items registered twice), and
/// nothing in the console needs two at once.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    TURN.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn classify(error: keyring::Error) -> KeychainError {
    match error {
        keyring::Error::PlatformFailure(e) | keyring::Error::NoStorageAccess(e) => {
            KeychainError::Unavailable(e.to_string())
        }
        other => KeychainError::Failed(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use riskdesk_client::{Client, ClientConfig};

    use super::Keychain;

    fn account(url: &str) -> String {
        let client = Client::new(&ClientConfig::new(url)).unwrap();
        Keychain::for_client(&client).account("officer.li")
    }

    #[test]
    fn entries_are_kept_by_scheme_host_and_port() {
        assert_eq!(
            account("https://risk.example.test:8640"),
            "officer.li@https://risk.example.test:8640"
        );
        assert_eq!(
            account("https://risk.example.test/"),
            "officer.li@https://risk.example.test:443"
        );
        assert_eq!(
            account("http://localhost:8640"),
            "officer.li@http://localhost:8640"
        );
        assert_ne!(
            account("https://localhost:8640"),
            account("http://localhost:8640"),
            "a token kept for https is never found for http"
        );
    }
}
