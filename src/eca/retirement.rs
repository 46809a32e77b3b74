//! The username-password flow's retirement: Salesforce enforces it on 2027-02-20 with no
//! exceptions (research salesforce-oauth.md). `list`, `show` and `doctor` mark every password
//! connection with the days left. The clock can be pinned with `SFCONN_TODAY=YYYY-MM-DD` (tests,
//! and anyone checking what the marker will say on a given day).

use time::{Date, Month, OffsetDateTime};

/// The day the password flow stops working.
pub const RETIREMENT: Date = match Date::from_calendar_date(2027, Month::February, 20) {
    Ok(d) => d,
    Err(_) => Date::MIN,
};

/// Today (UTC), or the day `SFCONN_TODAY` pins.
pub fn today() -> Date {
    pinned().unwrap_or_else(|| OffsetDateTime::now_utc().date())
}

/// The day `SFCONN_TODAY=YYYY-MM-DD` pins, if any.
pub fn pinned() -> Option<Date> {
    std::env::var("SFCONN_TODAY").ok().and_then(|v| {
        Date::parse(
            v.trim(),
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .ok()
    })
}

/// The flow column of a list for a password connection, in `width` characters at most:
/// `password 82d left`, `password 82d`, `password retired` (cut with `…` below that).
pub fn flow_column(today: Date, width: usize) -> String {
    let days = days_left(today);
    let candidates = if days > 0 {
        vec![
            format!("password {days}d left"),
            format!("password {days}d"),
            format!("pw {days}d"),
        ]
    } else {
        vec!["password retired".to_string(), "pw retired".to_string()]
    };
    let fallback = candidates.last().cloned().unwrap_or_default();
    candidates
        .into_iter()
        .find(|c| c.chars().count() <= width)
        .unwrap_or_else(|| cut(&fallback, width))
}

fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Whole days from `today` until the retirement; 0 or less once it is enforced.
pub fn days_left(today: Date) -> i64 {
    (RETIREMENT - today).whole_days()
}

/// One line for a password connection.
pub fn marker(today: Date) -> String {
    match days_left(today) {
        n if n > 1 => format!("{n} days left until the password flow's retirement on 2027-02-20"),
        1 => "1 day left until the password flow's retirement on 2027-02-20".to_string(),
        _ => "the password flow is retired since 2027-02-20: logins fail".to_string(),
    }
}

/// The short form for tables: `82 days left`.
pub fn short(today: Date) -> String {
    match days_left(today) {
        n if n > 0 => format!("{n}d left"),
        _ => "retired".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: Month, d: u8) -> Date {
        Date::from_calendar_date(y, m, d).unwrap()
    }

    #[test]
    fn days_left_counts_to_2027_02_20() {
        assert_eq!(days_left(day(2026, Month::November, 30)), 82);
        assert_eq!(days_left(day(2027, Month::February, 19)), 1);
        assert_eq!(days_left(day(2027, Month::February, 20)), 0);
        assert_eq!(
            marker(day(2026, Month::November, 30)),
            "82 days left until the password flow's retirement on 2027-02-20"
        );
        assert_eq!(
            marker(day(2027, Month::February, 19)),
            "1 day left until the password flow's retirement on 2027-02-20"
        );
        assert!(marker(day(2027, Month::March, 1)).contains("retired since 2027-02-20"));
        assert_eq!(short(day(2027, Month::March, 1)), "retired");
        let nov = day(2026, Month::November, 30);
        assert_eq!(flow_column(nov, 18), "password 82d left");
        assert_eq!(flow_column(nov, 12), "password 82d");
        assert_eq!(flow_column(nov, 8), "pw 82d");
        assert_eq!(flow_column(nov, 4), "pw …");
        assert_eq!(flow_column(day(2027, Month::March, 1), 12), "pw retired");
    }
}
