//! Text that fits the terminal: cut with `…`, durations and counts as people read them, and
//! the "more below" marker of a pane whose text runs past its bottom.

use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

/// A run's duration as people read it: `<1 ms` rather than a suspicious `0 ms`.
pub fn duration(ms: u64) -> String {
    if ms == 0 {
        "<1 ms".to_string()
    } else {
        format!("{ms} ms")
    }
}

/// `n thing` or `n things`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `text` cut to `width` columns, ending in `…` when something was cut (so a reader knows
/// there is more). Counts chars: every glyph sfconn draws is one column wide.
pub fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// How many rows `lines` take when wrapped at `width`. Word wrapping can add a row now and then
/// that this count misses; a marker that is sometimes late beats one that cries wolf.
pub fn rendered_height(lines: &[Line<'_>], width: u16) -> usize {
    let width = usize::from(width.max(1));
    lines
        .iter()
        .map(|l| {
            let w = l.width();
            w.div_ceil(width).max(1)
        })
        .sum()
}

/// `block` with "↓ more" on its bottom border when `lines` run past the inner area (after
/// scrolling `scroll` rows), naming the keys that show the rest.
pub fn with_more_marker<'a>(
    block: Block<'a>,
    lines: &[Line<'_>],
    inner_width: u16,
    inner_height: u16,
    scroll: u16,
    keys: &'a str,
) -> Block<'a> {
    let total = rendered_height(lines, inner_width);
    if total > usize::from(inner_height) + usize::from(scroll) {
        block.title_bottom(
            Line::from(Span::styled(
                format!(" ↓ more {keys}"),
                Style::new().fg(Color::Yellow),
            ))
            .right_aligned(),
        )
    } else {
        block
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_text_ends_in_an_ellipsis() {
        assert_eq!(truncate("acme-production", 8), "acme-pr…");
        assert_eq!(truncate("acme", 8), "acme");
        assert_eq!(duration(0), "<1 ms");
        assert_eq!(plural(1, "connection", "connections"), "1 connection");
        assert_eq!(plural(2, "connection", "connections"), "2 connections");
    }
}
