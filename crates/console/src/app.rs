//! The console as the window sees it: one [`Console`] holds the service
//! connection (remote, or the built-in demo), the signed-in session and the
//! settings, and answers every command. The Tauri commands are one call each
//! into this. Here the connection, the session and the settings (changed in
//! one way: a copy changed, saved, then kept); the other commands are
//! `impl Console` blocks beside what they use: `reads.rs`, `decisions.rs`,
//! `dashboard.rs`, `team.rs`.

use std::path::PathBuf;
use std::sync::Mutex;

use riskdesk_api::ProblemCode;
use riskdesk_api::auth::{OperatorView, SignInRequest};
use riskdesk_charts::Lang;
use riskdesk_client::{Client, ClientConfig, ClientError};

use crate::embedded::{self, DemoOperator, EmbeddedService};
use crate::export::Exports;
use crate::ipc::{
    AuditVerification, CommandError, ConnectRequest, DemoOperatorView, ErrorCode, ExportProgress,
    ExportRequest, ExportSaved, Preferences, Progress, ServiceInfo, Startup,
};
use crate::keychain::Keychain;
use crate::live::Following;
use crate::session::{self, SignedIn};
use crate::settings::Settings;

/// Where the console keeps its files, and how big a demo it generates.
#[derive(Clone, Debug)]
pub struct ConsoleOptions {
    /// `settings.json`.
    pub config_dir: PathBuf,
    /// The demo portfolio's database.
    pub data_dir: PathBuf,
    pub demo_customers: u32,
    pub demo_months: u32,
    /// The OS locale, e.g. `zh-CN`: Chinese unless it says otherwise.
    pub os_locale: Option<String>,
    /// Where exports are saved: the downloads folder.
    pub export_dir: PathBuf,
    /// How long the window may go without the operator's input before it
    /// locks: `IDLE_LOCK_SECS` but in tests.
    pub idle_lock_secs: u32,
}

/// The console locks after 15 minutes without input, as the service ends a
/// session idle that long (the service's `auth::IDLE_TIMEOUT_MS`).
pub const IDLE_LOCK_SECS: u32 = 15 * 60;

/// The console's state; every method is one command of the UI.
#[derive(Debug)]
pub struct Console {
    options: ConsoleOptions,
    state: Mutex<State>,
    /// Held across the (slow) start of a service, so that two calls of
    /// `start` never start two.
    connecting: tokio::sync::Mutex<()>,
    exports: Exports,
    /// What the live stream's notices depend on: kept apart from the
    /// state, which the follower never locks.
    pub(crate) notify: std::sync::Arc<Mutex<crate::live::Notify>>,
}

#[derive(Debug, Default)]
struct State {
    settings: Settings,
    service: Option<Service>,
    session: Option<SignedIn>,
    /// The live stream's follower for the session; it stops when dropped.
    following: Option<Following>,
}

#[derive(Debug)]
struct Service {
    client: Client,
    /// Where its sessions are kept: by host and port for a remote service;
    /// one stable name for the built-in demo, whose port changes at every
    /// start while its sessions persist in its database.
    keychain: Keychain,
    info: ServiceInfo,
    demo_operators: Vec<DemoOperator>,
    /// Keeps the built-in service running; it stops when dropped.
    _embedded: Option<EmbeddedService>,
}

/// The name the built-in demo's audit key is pinned under in the settings.
const EMBEDDED_SERVICE_NAME: &str = "built-in-demo";

impl Console {
    pub fn new(options: ConsoleOptions) -> Console {
        Console {
            options,
            state: Mutex::new(State::default()),
            connecting: tokio::sync::Mutex::new(()),
            exports: Exports::default(),
            notify: std::sync::Arc::default(),
        }
    }

    /// The operator's preferences as the settings keep them (the OS's
    /// language when none are kept): read before anything is drawn, so that
    /// the first screen is in the language of the rest.
    pub fn stored_preferences(&self) -> Result<Preferences, CommandError> {
        let settings = Settings::load(&self.options.config_dir)
            .map_err(|e| CommandError::new(ErrorCode::Config, format!("{e:#}")))?;
        Ok(self.preferences(&settings))
    }

    /// Loads the settings and connects to the configured service, starting the
    /// built-in demo when none is configured (`progress` follows a first
    /// generation). A service that cannot be reached is reported in the
    /// answer, for the connection screen, not as a failure.
    pub async fn start(&self, progress: impl Fn(Progress)) -> Result<Startup, CommandError> {
        let _connecting = self.connecting.lock().await;
        let settings = Settings::load(&self.options.config_dir)
            .map_err(|e| CommandError::new(ErrorCode::Config, format!("{e:#}")))?;
        let already = self.lock().service.is_some();
        let service_error = if already {
            None
        } else {
            let request = ConnectRequest {
                service_url: settings.service_url.clone(),
                ca_certificate_path: settings.ca_certificate_path.clone(),
            };
            match self.open_service(&request, &progress).await {
                Ok(service) => {
                    self.lock().service = Some(service);
                    None
                }
                Err(e) => Some(e),
            }
        };
        self.noticing(self.preferences(&settings));
        let mut state = self.lock();
        state.settings = settings;
        Ok(Startup {
            preferences: self.preferences(&state.settings),
            service: state.service.as_ref().map(|s| s.info.clone()),
            service_error,
            idle_lock_secs: self.options.idle_lock_secs,
            demo_operators: state
                .service
                .as_ref()
                .map(|s| demo_views(&s.demo_operators))
                .unwrap_or_default(),
        })
    }

    /// Switches to another service (or back to the built-in demo) once it
    /// answers; until then nothing changes. The session ends.
    pub async fn connect(
        &self,
        request: ConnectRequest,
        progress: impl Fn(Progress),
    ) -> Result<Startup, CommandError> {
        let _connecting = self.connecting.lock().await;
        let request = ConnectRequest {
            service_url: non_empty(request.service_url),
            ca_certificate_path: non_empty(request.ca_certificate_path),
        };
        let service = self.open_service(&request, &progress).await?;
        let mut state = self.lock();
        change_settings(&mut state, &self.options, |settings| {
            settings.service_url = request.service_url;
            settings.ca_certificate_path = request.ca_certificate_path;
            settings.last_operator = None;
        })?;
        state.end_session();
        let startup = Startup {
            preferences: self.preferences(&state.settings),
            service: Some(service.info.clone()),
            service_error: None,
            idle_lock_secs: self.options.idle_lock_secs,
            demo_operators: demo_views(&service.demo_operators),
        };
        state.service = Some(service);
        Ok(startup)
    }

    /// Resumes the last operator's session from the keychain, if the service
    /// still accepts it.
    pub async fn resume(&self) -> Result<Option<OperatorView>, CommandError> {
        let ((client, keychain), last) = {
            let state = self.lock();
            (self.service(&state)?, state.settings.last_operator.clone())
        };
        let Some(operator_id) = last else {
            return Ok(None);
        };
        let Some(signed) = session::resume(&client, &keychain, &operator_id).await? else {
            return Ok(None);
        };
        let operator = signed.operator.clone();
        self.lock().start_session(signed);
        Ok(Some(operator))
    }

    /// Whether the keychain can be used now: the keychain screen's "try again".
    pub async fn check_keychain(&self) -> Result<(), CommandError> {
        let (_, keychain) = self.service(&self.lock())?;
        Ok(session::check_keychain(&keychain).await?)
    }

    pub async fn sign_in(&self, request: SignInRequest) -> Result<OperatorView, CommandError> {
        let (client, keychain) = self.service(&self.lock())?;
        let signed = session::sign_in(&client, &keychain, &request).await?;
        self.signed_in(signed)
    }

    /// Signs in as a demo operator of the built-in service: the password and
    /// the TOTP code come from Rust, never from or to the webview.
    pub async fn sign_in_demo(&self, operator_id: String) -> Result<OperatorView, CommandError> {
        let ((client, keychain), request) = {
            let state = self.lock();
            let service = self.service(&state)?;
            let operator = state
                .service
                .iter()
                .flat_map(|s| &s.demo_operators)
                .find(|o| o.id == operator_id)
                .ok_or_else(|| {
                    CommandError::new(
                        ErrorCode::Service(ProblemCode::InvalidValue),
                        format!("{operator_id} is not a demo operator of this service"),
                    )
                })?;
            let request = embedded::sign_in_request(operator);
            (service, request)
        };
        let signed = session::sign_in(&client, &keychain, &request).await?;
        self.signed_in(signed)
    }

    /// Ends the session here and on the service; the keychain entry goes.
    pub async fn sign_out(&self) -> Result<(), CommandError> {
        let signed = self.lock().end_session();
        if let Some(signed) = signed {
            session::sign_out(&signed).await?;
        }
        Ok(())
    }

    pub fn set_preferences(&self, preferences: Preferences) -> Result<(), CommandError> {
        let mut state = self.lock();
        change_settings(&mut state, &self.options, |settings| {
            settings.preferences = Some(preferences);
        })?;
        self.noticing(preferences);
        Ok(())
    }

    /// Verifies the audit chain here, with the public key pinned for this
    /// service the first time it was seen (and pins it now if this is that
    /// time).
    pub async fn verify_audit(&self) -> Result<AuditVerification, CommandError> {
        let client = self.session_client()?;
        let (service, pinned) = {
            let state = self.lock();
            let service = state
                .service
                .as_ref()
                .map(|s| {
                    if s.info.embedded {
                        EMBEDDED_SERVICE_NAME.to_owned()
                    } else {
                        s.info.url.clone()
                    }
                })
                .ok_or_else(|| CommandError::new(ErrorCode::NotSignedIn, "connect first"))?;
            let pinned = state.settings.audit_keys.get(&service).cloned();
            (service, pinned)
        };
        let verification = self.checked(crate::audit::verify(&client, pinned.as_deref()).await)?;
        if let (None, Some(key)) = (pinned, &verification.key) {
            let mut state = self.lock();
            change_settings(&mut state, &self.options, |settings| {
                settings.audit_keys.insert(service, key.clone());
            })?;
        }
        Ok(verification)
    }

    /// Saves a list as a CSV file in the downloads folder, reporting its
    /// progress under `id` until it ends or [`Console::cancel_export`] stops it.
    pub async fn export(
        &self,
        id: String,
        request: ExportRequest,
        progress: impl Fn(ExportProgress),
    ) -> Result<ExportSaved, CommandError> {
        let client = self.session_client()?;
        let lang = self.stored_preferences()?.lang;
        let result = self
            .exports
            .run(
                id,
                &client,
                &request,
                &self.options.export_dir,
                lang,
                progress,
            )
            .await;
        self.checked(result)
    }

    pub fn cancel_export(&self, id: &str) {
        self.exports.cancel(id);
    }

    async fn open_service(
        &self,
        request: &ConnectRequest,
        progress: &impl Fn(Progress),
    ) -> Result<Service, CommandError> {
        let Some(url) = &request.service_url else {
            let embedded = embedded::start(
                &self.options.data_dir,
                self.options.demo_customers,
                self.options.demo_months,
                |done, total| progress(Progress { done, total }),
            )
            .await
            .map_err(|e| CommandError::new(ErrorCode::EmbeddedFailed, e.to_string()))?;
            let client = Client::new(&ClientConfig::new(embedded.url.clone()))?;
            return Ok(Service {
                client,
                keychain: Keychain::for_host(&embedded::keychain_host(&self.options.data_dir)),
                info: ServiceInfo {
                    url: embedded.url.clone(),
                    embedded: true,
                    ca_certificate_path: None,
                },
                demo_operators: embedded.operators.clone(),
                _embedded: Some(embedded),
            });
        };
        let mut config = ClientConfig::new(url.clone());
        if let Some(path) = &request.ca_certificate_path {
            let pem = std::fs::read(path).map_err(|e| {
                CommandError::new(
                    ErrorCode::Config,
                    format!("the CA certificate file {path} cannot be read: {e}"),
                )
            })?;
            config.ca_certificate_pem = Some(pem);
        }
        let client = Client::new(&config)?;
        client.health().await?;
        Ok(Service {
            keychain: Keychain::for_client(&client),
            client,
            info: ServiceInfo {
                url: url.clone(),
                embedded: false,
                ca_certificate_path: request.ca_certificate_path.clone(),
            },
            demo_operators: Vec::new(),
            _embedded: None,
        })
    }

    fn signed_in(&self, signed: SignedIn) -> Result<OperatorView, CommandError> {
        let operator = signed.operator.clone();
        let mut state = self.lock();
        change_settings(&mut state, &self.options, |settings| {
            settings.last_operator = Some(operator.id.clone());
        })?;
        state.start_session(signed);
        Ok(operator)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic elsewhere never leaves the state half-changed: every change
        // above is a single assignment.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The connected service's client and keychain.
    fn service(&self, state: &State) -> Result<(Client, Keychain), CommandError> {
        state
            .service
            .as_ref()
            .map(|s| (s.client.clone(), s.keychain.clone()))
            .ok_or_else(|| {
                CommandError::new(ErrorCode::Config, "no service is connected: connect first")
            })
    }

    /// Where exports are saved.
    pub(crate) fn export_dir(&self) -> &std::path::Path {
        &self.options.export_dir
    }

    pub(crate) fn session_client(&self) -> Result<Client, CommandError> {
        self.lock()
            .session
            .as_ref()
            .map(|s| s.client.clone())
            .ok_or_else(|| CommandError::new(ErrorCode::NotSignedIn, "sign in first"))
    }

    /// A service answer as the UI gets it. A lost session is forgotten here
    /// (the UI goes back to sign-in); its keychain entry was already refused
    /// by the service and is removed at the next resume.
    pub(crate) fn checked<T, E: Into<CommandError>>(
        &self,
        result: Result<T, E>,
    ) -> Result<T, CommandError> {
        let result = result.map_err(Into::into);
        if let Err(e) = &result
            && e.is_session_lost()
        {
            self.lock().end_session();
        }
        result
    }

    /// Like `checked`, but a section the role may not read is `None`.
    pub(crate) fn permitted<T>(
        &self,
        result: Result<T, ClientError>,
    ) -> Result<Option<T>, CommandError> {
        match result {
            Err(e) if e.code() == Some(ProblemCode::Forbidden) => Ok(None),
            other => self.checked(other).map(Some),
        }
    }

    /// The preferences the live stream's notices follow from now on.
    fn noticing(&self, preferences: Preferences) {
        let mut notify = self.notify.lock().unwrap_or_else(|e| e.into_inner());
        notify.lang = preferences.lang;
        notify.notices = preferences.notices;
    }

    /// The signed-in session's client and operator.
    pub(crate) fn session_operator(
        &self,
    ) -> Result<(Client, riskdesk_api::auth::OperatorView), CommandError> {
        self.lock()
            .session
            .as_ref()
            .map(|s| (s.client.clone(), s.operator.clone()))
            .ok_or_else(|| CommandError::new(ErrorCode::NotSignedIn, "sign in first"))
    }

    /// Keeps `following` for the session, stopping the one before.
    pub(crate) fn set_following(&self, following: Following) {
        self.lock().following = Some(following);
    }

    fn preferences(&self, settings: &Settings) -> Preferences {
        settings.preferences.unwrap_or_else(|| Preferences {
            lang: locale_lang(self.options.os_locale.as_deref()),
            ..Preferences::default()
        })
    }
}

impl State {
    /// A new session: the last one's live stream stops.
    fn start_session(&mut self, signed: SignedIn) {
        self.following = None;
        self.session = Some(signed);
    }

    /// No session: its live stream stops.
    fn end_session(&mut self) -> Option<SignedIn> {
        self.following = None;
        self.session.take()
    }
}

/// Chinese when the OS locale is Chinese or names no language (`C`,
/// `POSIX`, as on a server), English otherwise.
fn locale_lang(locale: Option<&str>) -> Lang {
    let l = locale.unwrap_or_default().to_ascii_lowercase();
    let no_language = l.is_empty() || l == "c" || l.starts_with("c.") || l == "posix";
    if no_language || l.starts_with("zh") {
        Lang::Zh
    } else {
        Lang::En
    }
}

fn demo_views(operators: &[DemoOperator]) -> Vec<DemoOperatorView> {
    operators
        .iter()
        .map(|o| DemoOperatorView {
            id: o.id.to_owned(),
            display_name: o.display_name.to_owned(),
            role: o.role,
        })
        .collect()
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

/// The one way the settings change: a copy is changed and saved, and kept
/// only once it is on disk, so a failed save changes nothing.
fn change_settings(
    state: &mut State,
    options: &ConsoleOptions,
    change: impl FnOnce(&mut Settings),
) -> Result<(), CommandError> {
    let mut settings = state.settings.clone();
    change(&mut settings);
    settings.save(&options.config_dir).map_err(|e| {
        CommandError::new(
            ErrorCode::Config,
            format!("the settings could not be saved: {e:#}"),
        )
    })?;
    state.settings = settings;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_unless_the_locale_says_otherwise() {
        assert_eq!(locale_lang(Some("zh-CN")), Lang::Zh);
        assert_eq!(locale_lang(Some("zh_TW.UTF-8")), Lang::Zh);
        assert_eq!(locale_lang(Some("en-US")), Lang::En);
        assert_eq!(locale_lang(Some("C.UTF-8")), Lang::Zh);
        assert_eq!(locale_lang(Some("POSIX")), Lang::Zh);
        assert_eq!(locale_lang(Some("de")), Lang::En);
        assert_eq!(locale_lang(None), Lang::Zh);
    }
}
