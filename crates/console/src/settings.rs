//! The console's settings file (`settings.json` in the app's config
//! directory): which service, which operator signed in last, and the
//! display preferences. Never a secret: the token lives in the keychain.

use std::path::{Path, PathBuf};

use crate::ipc::Preferences;

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Settings {
    /// `None`: the built-in demo service.
    pub service_url: Option<String>,
    pub ca_certificate_path: Option<String>,
    /// Whose session to resume from the keychain at the next start.
    pub last_operator: Option<String>,
    /// `None` until the operator chooses: then the OS locale decides the language.
    pub preferences: Option<Preferences>,
    /// The audit-signing public key (hex) first seen for each service, by
    /// URL (`built-in-demo` for the demo): a later change is reported, not
    /// trusted (trust on first use).
    pub audit_keys: std::collections::BTreeMap<String, String>,
}

impl Settings {
    pub fn file(config_dir: &Path) -> PathBuf {
        config_dir.join("settings.json")
    }

    /// The saved settings; defaults when there are none. A damaged file is
    /// reported, not silently replaced.
    pub fn load(config_dir: &Path) -> anyhow::Result<Settings> {
        let path = Settings::file(config_dir);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| anyhow::anyhow!("{} is damaged: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
            Err(e) => Err(anyhow::anyhow!("reading {}: {e}", path.display())),
        }
    }

    /// Writes a temporary file and renames it into place, so that a crash
    /// never leaves half a file.
    pub fn save(&self, config_dir: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(config_dir)?;
        let path = Settings::file(config_dir);
        let temporary = path.with_extension("json.tmp");
        std::fs::write(&temporary, serde_json::to_vec_pretty(self)?)?;
        std::fs::rename(&temporary, &path)?;
        Ok(())
    }
}
