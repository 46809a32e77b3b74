//! Cancelling a login that waits on a person (Esc/x in the TUI): each running login has a stop
//! signal, registered before its task starts so that a cancel right after always finds it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

/// A stop signal for each running login, keyed by connection name and generation.
type Stops = HashMap<(String, u64), Arc<Notify>>;

/// The running logins' stop signals, by connection name and generation.
#[derive(Debug, Clone, Default)]
pub struct LoginStops {
    stops: Arc<Mutex<Stops>>,
}

impl LoginStops {
    fn map(&self) -> MutexGuard<'_, Stops> {
        // A panic while holding this lock leaves a plain map: still usable.
        self.stops.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A login of `name` under `generation` is about to start.
    pub fn register(&self, name: &str, generation: u64) {
        self.map()
            .insert((name.to_string(), generation), Arc::new(Notify::new()));
    }

    /// Stop that login. Kept as a permit if it is not waiting yet: it stops when it starts.
    pub fn cancel(&self, name: &str, generation: u64) {
        if let Some(stop) = self.map().get(&(name.to_string(), generation)) {
            stop.notify_one();
        }
    }

    /// The signal a login waits on alongside its work, if it was registered.
    pub fn signal(&self, name: &str, generation: u64) -> Option<Arc<Notify>> {
        self.map().get(&(name.to_string(), generation)).cloned()
    }

    /// The login ended (done or cancelled).
    pub fn finished(&self, name: &str, generation: u64) {
        self.map().remove(&(name.to_string(), generation));
    }
}

#[cfg(test)]
mod tests {
    use super::LoginStops;

    #[tokio::test]
    async fn a_cancel_before_the_wait_still_stops_the_login() {
        let stops = LoginStops::default();
        stops.register("ssh-box", 3);
        stops.cancel("ssh-box", 3);
        let signal = stops.signal("ssh-box", 3).expect("registered");
        let stopped =
            tokio::time::timeout(std::time::Duration::from_secs(5), signal.notified()).await;
        assert!(stopped.is_ok(), "the stored permit wakes the waiter");
        stops.finished("ssh-box", 3);
        assert!(stops.signal("ssh-box", 3).is_none());
        // Another generation is left alone.
        stops.register("ssh-box", 4);
        stops.cancel("ssh-box", 3);
        assert!(stops.signal("ssh-box", 4).is_some());
    }
}
