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
    std::env::var("SFCONN_TODAY")
        .ok()
        .and_then(|v| {
            Date::parse(
                v.trim(),
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .ok()
        })
        .unwrap_or_else(|| OffsetDateTime::now_utc().date())
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
    }
}
