//! Running sfconn as a real process against a temp SFCONN_HOME.
