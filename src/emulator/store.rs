//! The practice org's mutable state: issued codes and tokens, approvals, counters, clock.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};

use super::HostKind;
use super::scenario::{App, Scenario};

/// "Each connected app allows five unique approvals per user" (research §4.4).
pub const MAX_APPROVALS: usize = 5;

pub struct Shared {
    pub scenario: Scenario,
    pub url: String,
    pub login_url: String,
    pub clock_offset: AtomicI64,
    pub latency_ms: AtomicU64,
    pub counters: Counters,
    data: Mutex<OrgData>,
    /// Callback URLs added to apps while the org runs (an admin editing the app's callback
    /// URLs), by client id. Compared exactly, as Salesforce does.
    callbacks: Mutex<HashMap<String, Vec<String>>>,
    seq: AtomicU64,
    seed: RandomState,
}

#[derive(Default)]
pub struct Counters {
    paths: Mutex<HashMap<String, u64>>,
    grants: Mutex<HashMap<String, u64>>,
}

impl Counters {
    pub fn count_path(&self, path: &str) {
        *lock(&self.paths).entry(path.to_string()).or_default() += 1;
    }
    pub fn count_grant(&self, grant: &str) {
        *lock(&self.grants).entry(grant.to_string()).or_default() += 1;
    }
    pub fn path(&self, path: &str) -> u64 {
        lock(&self.paths).get(path).copied().unwrap_or(0)
    }
    pub fn grant(&self, grant: &str) -> u64 {
        lock(&self.grants).get(grant).copied().unwrap_or(0)
    }
}

/// A poisoned lock only means another request panicked mid-update; the maps stay usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub struct AccessToken {
    pub user_id: String,
    pub client_id: String,
    /// The refresh token this session came from, if any (revoking it ends the session too).
    pub refresh_token: Option<String>,
    /// The host the login used: the identity URLs of the session name it.
    pub login_host: HostKind,
    /// Scopes granted (introspection reports them).
    pub scopes: Vec<String>,
    /// Seconds since the epoch on the org's clock.
    pub issued_at: u64,
}

pub struct RefreshToken {
    pub user_id: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    /// Seconds since the epoch on the org's clock.
    pub issued_at: u64,
    /// The host the approval was given on.
    pub login_host: HostKind,
}

pub struct AuthCode {
    pub client_id: String,
    pub user_id: String,
    pub redirect_uri: String,
    /// The PKCE challenge and whether its method is S256 (else plain).
    pub challenge: Option<(String, bool)>,
    pub scopes: Vec<String>,
    /// Seconds since the epoch on the org's clock (so tests can age a code with the clock offset).
    pub expires: u64,
    /// OpenID Connect `nonce` from the authorize request, repeated in the id_token.
    pub nonce: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceStatus {
    Pending,
    Approved { user_id: String },
    Denied,
}

pub struct DeviceAuth {
    pub client_id: String,
    pub user_code: String,
    pub scopes: Vec<String>,
    /// Seconds since the epoch on the org's clock.
    pub expires: u64,
    pub polls: u32,
    pub status: DeviceStatus,
}

#[derive(Default)]
pub struct OrgData {
    pub access: HashMap<String, AccessToken>,
    pub refresh: HashMap<String, RefreshToken>,
    pub codes: HashMap<String, AuthCode>,
    /// Keyed by device code.
    pub devices: HashMap<String, DeviceAuth>,
    /// Refresh tokens per (user id, client id), oldest first.
    pub approvals: HashMap<(String, String), VecDeque<String>>,
    pub api_remaining: u64,
    /// Apps deployed through `deployRequest`, by app name (they win over the scenario's).
    pub deployed_apps: HashMap<String, Arc<App>>,
    /// Token requests still answered `invalid_client_id` per newly deployed client id.
    pub propagation: HashMap<String, u32>,
    /// Deploy requests by id.
    pub deploys: HashMap<String, super::metadata::Deploy>,
}

impl OrgData {
    /// Revoke a refresh token and the sessions that came from it.
    pub fn revoke_refresh(&mut self, token: &str) {
        if let Some(rt) = self.refresh.remove(token) {
            if let Some(list) = self.approvals.get_mut(&(rt.user_id, rt.client_id)) {
                list.retain(|t| t != token);
            }
            self.access
                .retain(|_, at| at.refresh_token.as_deref() != Some(token));
        }
    }

    /// Record a new approval; past five for this user and app, the oldest is revoked.
    pub fn add_refresh(&mut self, token: String, rt: RefreshToken) {
        let key = (rt.user_id.clone(), rt.client_id.clone());
        self.refresh.insert(token.clone(), rt);
        let list = self.approvals.entry(key).or_default();
        list.push_back(token);
        let mut evicted = Vec::new();
        while list.len() > MAX_APPROVALS {
            if let Some(old) = list.pop_front() {
                evicted.push(old);
            }
        }
        for old in evicted {
            self.revoke_refresh(&old);
        }
    }
}

impl Shared {
    pub fn new(scenario: Scenario, url: String, login_url: String, latency: Duration) -> Shared {
        let api_remaining = scenario.org.daily_api_remaining;
        Shared {
            scenario,
            url,
            login_url,
            clock_offset: AtomicI64::new(0),
            latency_ms: AtomicU64::new(u64::try_from(latency.as_millis()).unwrap_or(u64::MAX)),
            counters: Counters::default(),
            data: Mutex::new(OrgData {
                api_remaining,
                ..OrgData::default()
            }),
            callbacks: Mutex::new(HashMap::new()),
            seq: AtomicU64::new(0),
            seed: RandomState::new(),
        }
    }

    /// Add a callback URL to an app, as an admin does in its OAuth settings.
    pub fn allow_callback(&self, client_id: &str, url: &str) {
        lock(&self.callbacks)
            .entry(client_id.to_string())
            .or_default()
            .push(url.to_string());
    }

    /// Whether `redirect_uri` is one of the app's callback URLs.
    pub fn callback_allowed(
        &self,
        app: &crate::emulator::scenario::App,
        redirect_uri: &str,
    ) -> bool {
        app.callback_matches(redirect_uri)
            || lock(&self.callbacks)
                .get(&app.client_id)
                .is_some_and(|urls| urls.iter().any(|u| u == redirect_uri))
    }

    pub fn with_data<R>(&self, f: impl FnOnce(&mut OrgData) -> R) -> R {
        f(&mut lock(&self.data))
    }

    /// The app with this consumer key: a deployed one, else the scenario's. A newly deployed
    /// client id is unknown for its first `new_client_id_delay_attempts` look-ups (the
    /// propagation delay, scenario option).
    pub fn app(&self, client_id: &str) -> Option<Arc<App>> {
        let deployed = self.with_data(|data| {
            let app = data
                .deployed_apps
                .values()
                .find(|a| a.client_id == client_id)
                .cloned()?;
            match data.propagation.get_mut(client_id) {
                Some(left) if *left > 0 => {
                    *left -= 1;
                    Some(None)
                }
                _ => Some(Some(app)),
            }
        });
        match deployed {
            Some(found) => found,
            None => self.scenario.app(client_id).cloned().map(Arc::new),
        }
    }

    /// The org's clock: the real time plus the configured offset.
    pub fn now(&self) -> SystemTime {
        let offset = self.clock_offset.load(Ordering::Relaxed);
        let now = SystemTime::now();
        let shifted = if offset >= 0 {
            now.checked_add(Duration::from_secs(offset.unsigned_abs()))
        } else {
            now.checked_sub(Duration::from_secs(offset.unsigned_abs()))
        };
        shifted.unwrap_or(now)
    }

    /// Seconds since the epoch on the org's clock.
    pub fn now_secs(&self) -> u64 {
        self.now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    pub fn now_millis(&self) -> u128 {
        self.now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis())
    }

    /// `n` unpredictable bytes, base64url. The OS generator is used; should it fail, a keyed
    /// hash of a counter keeps values unique and unguessable enough for a loopback emulator.
    pub fn random(&self, n: usize) -> String {
        let mut buf = vec![0u8; n];
        if getrandom::fill(&mut buf).is_err() {
            for (block, chunk) in buf.chunks_mut(32).enumerate() {
                let seq = self.seq.fetch_add(1, Ordering::Relaxed);
                let key = self.seed.hash_one((seq, block));
                let digest = Sha256::digest(format!("{key}:{seq}:{:?}", SystemTime::now()));
                chunk.copy_from_slice(&digest[..chunk.len()]);
            }
        }
        URL_SAFE_NO_PAD.encode(buf)
    }

    /// An access token shaped like Salesforce's: the 15-character org id, `!`, then random text.
    pub fn new_access_token(&self) -> String {
        let org15: String = self.scenario.org.id.chars().take(15).collect();
        format!("{org15}!AQ{}", self.random(72).replace(['-', '_'], "."))
    }

    pub fn new_refresh_token(&self) -> String {
        format!("5Aep861{}", self.random(64).replace(['-', '_'], "."))
    }

    /// The identity URL returned as `id`: on the host the login used, as Salesforce names
    /// login.salesforce.com there for a login on it and the My Domain for one on the My Domain.
    pub fn identity_url(&self, user_id: &str, host: HostKind) -> String {
        format!(
            "{}/id/{}/{}",
            self.host_url(host),
            self.scenario.org.id,
            user_id
        )
    }

    /// The base URL of one of the org's two hosts.
    pub fn host_url(&self, host: HostKind) -> &str {
        match host {
            HostKind::MyDomain => &self.url,
            HostKind::Login => &self.login_url,
        }
    }
}

/// The token response `signature`: base64 HMAC-SHA256 of `id` + `issued_at`, keyed with the
/// client secret (research §2.1, believed).
pub fn signature(client_secret: &str, id: &str, issued_at: &str) -> String {
    match hmac::Hmac::<Sha256>::new_from_slice(client_secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(id.as_bytes());
            mac.update(issued_at.as_bytes());
            STANDARD.encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}
