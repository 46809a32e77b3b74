//! Text that fits the terminal: cut with `…`, durations and counts as people read them, and
//! the "more below" marker of a pane whose text runs past its bottom.

use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

/// Leading marks a wrapped line hangs under: the text after them lines up on every row.
const MARKS: [&str; 5] = ["▸ ", "• ", "✓ ", "✗ ", "· "];

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

/// A one-line text input drawn in `area`, its value in the same column focused or not, with `…`
/// on each side where the value runs past the area (leading when scrolled right, trailing when
/// more follows).
pub fn input(
    input: &ratatui_textarea::TextArea<'static>,
    frame: &mut ratatui::Frame,
    area: ratatui::layout::Rect,
) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let value = input.lines().first().map(String::as_str).unwrap_or("");
    if let (true, Some(style)) = (value.is_empty(), input.placeholder_style()) {
        // ratatui-textarea draws its cursor before the placeholder, which pushes the text one
        // column right of where a value goes: draw the placeholder with the cursor on its first
        // cell instead.
        let shown = truncate(input.placeholder_text(), usize::from(area.width));
        frame.render_widget(Span::styled(shown, style), area);
        if let Some(cell) = frame.buffer_mut().cell_mut((area.x, area.y)) {
            cell.set_style(input.cursor_style());
        }
        return;
    }
    frame.render_widget(input, area);
    let (_, left) = input.scroll_offset();
    let text_width = if input.mask_char().is_some() {
        value.chars().count()
    } else {
        Span::raw(value).width()
    };
    let buf = frame.buffer_mut();
    if left > 0
        && let Some(cell) = buf.cell_mut((area.x, area.y))
    {
        cell.set_symbol("…");
    }
    if usize::from(left) + usize::from(area.width) < text_width
        && let Some(cell) = buf.cell_mut((area.right() - 1, area.y))
    {
        cell.set_symbol("…");
    }
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
    more_below(
        block,
        total > usize::from(inner_height) + usize::from(scroll),
        keys,
    )
}

/// `block` with "↓ more" on its bottom border when `more` (rows or text continue below what is
/// shown), naming the keys that show the rest.
pub fn more_below<'a>(block: Block<'a>, more: bool, keys: &'a str) -> Block<'a> {
    if !more {
        return block;
    }
    block.title_bottom(
        Line::from(Span::styled(
            format!(" ↓ more {keys}"),
            Style::new().fg(Color::Yellow),
        ))
        .right_aligned(),
    )
}

/// `block` with "↑ more" on its top border, right-aligned, when `more` (the view is scrolled
/// down: rows or text are hidden above), naming the keys that show them.
pub fn more_above<'a>(block: Block<'a>, more: bool, keys: &'a str) -> Block<'a> {
    if !more {
        return block;
    }
    block.title_top(
        Line::from(Span::styled(
            format!(" ↑ more {keys}"),
            Style::new().fg(Color::Yellow),
        ))
        .right_aligned(),
    )
}

/// How far text of `total` rows scrolls in a pane of `height` rows: to its last row, no further.
pub fn max_scroll(total: usize, height: u16) -> u16 {
    u16::try_from(total.saturating_sub(usize::from(height))).unwrap_or(u16::MAX)
}

/// The first `rows` of `lines`; when more were left out, the last one shown ends in `…`.
pub fn cut_rows(mut lines: Vec<Line<'static>>, rows: usize, width: usize) -> Vec<Line<'static>> {
    if lines.len() <= rows {
        return lines;
    }
    lines.truncate(rows);
    if let Some(last) = lines.pop() {
        let mut last = last;
        if last.width() < width {
            let style = last.spans.last().map_or(Style::new(), |s| s.style);
            last.spans.push(Span::styled("…", style));
        } else {
            // One column more than fits: truncate_line makes room for the `…`.
            last.spans.push(Span::raw(" "));
            last = truncate_line(last, width);
        }
        lines.push(last);
    }
    lines
}

/// A styled line cut to `width` columns, ending in `…` when something was cut.
pub fn truncate_line(line: Line<'static>, width: usize) -> Line<'static> {
    if line.width() <= width {
        return line;
    }
    let cells = cells(&line);
    let mut kept: Vec<(char, Style)> = cells.into_iter().take(width.saturating_sub(1)).collect();
    if width > 0 {
        let style = kept.last().map_or(Style::new(), |(_, s)| *s);
        kept.push(('…', style));
    }
    to_line(&kept, &line)
}

/// Lines that fit `width` columns: a line too long wraps at word boundaries, its later rows
/// indented to where its text starts (after its leading spaces and a mark such as `▸ `, `• `
/// or `1. `), so a wrapped hint or address never restarts at column 0. A word longer than the
/// room is broken (an address stays whole on screen, over rows).
pub fn hang(lines: Vec<Line<'static>>, width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width.max(1));
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        if line.width() <= width {
            out.push(line);
        } else {
            out.extend(hang_one(&line, width));
        }
    }
    out
}

fn hang_one(line: &Line<'static>, width: usize) -> Vec<Line<'static>> {
    let cells = cells(line);
    let text: String = cells.iter().map(|(c, _)| *c).collect();
    // A hanging indent wider than half the room would leave too little for the text.
    let indent = indent_of(&text).min(width / 2);
    let mut rows: Vec<Vec<(char, Style)>> = Vec::new();
    let mut row: Vec<(char, Style)> = Vec::new();
    let mut i = 0;
    while i < cells.len() {
        // The next run of spaces or of other characters.
        let space = cells[i].0 == ' ';
        let end = cells[i..]
            .iter()
            .position(|(c, _)| (*c == ' ') != space)
            .map_or(cells.len(), |n| i + n);
        let token = &cells[i..end];
        i = end;
        let continuation = !rows.is_empty();
        if space {
            if continuation && row.len() == indent {
                continue;
            }
            row.extend_from_slice(token);
            continue;
        }
        if row.len() + token.len() > width && row.iter().any(|(c, _)| *c != ' ') {
            trim_end(&mut row);
            rows.push(std::mem::replace(
                &mut row,
                vec![(' ', Style::new()); indent],
            ));
        }
        for cell in token {
            if row.len() >= width {
                rows.push(std::mem::replace(
                    &mut row,
                    vec![(' ', Style::new()); indent],
                ));
            }
            row.push(*cell);
        }
    }
    trim_end(&mut row);
    rows.push(row);
    rows.iter().map(|r| to_line(r, line)).collect()
}

fn trim_end(row: &mut Vec<(char, Style)>) {
    while row.last().is_some_and(|(c, _)| *c == ' ') {
        row.pop();
    }
}

/// Columns before a line's text: leading spaces, then a mark (`▸ `, `1. `) and its spaces.
fn indent_of(text: &str) -> usize {
    let spaces = text.chars().take_while(|c| *c == ' ').count();
    let rest: String = text.chars().skip(spaces).collect();
    let mark = MARKS
        .iter()
        .find(|m| rest.starts_with(*m))
        .map(|m| m.chars().count())
        .or_else(|| {
            let digits = rest.chars().take_while(char::is_ascii_digit).count();
            (digits > 0 && rest.chars().skip(digits).take(2).eq(". ".chars())).then_some(digits + 2)
        })
        .unwrap_or(0);
    let after = rest.chars().skip(mark).take_while(|c| *c == ' ').count();
    if mark == 0 {
        spaces
    } else {
        spaces + mark + after
    }
}

fn cells(line: &Line<'_>) -> Vec<(char, Style)> {
    line.spans
        .iter()
        .flat_map(|s| s.content.chars().map(move |c| (c, s.style)))
        .collect()
}

/// Cells back into spans (one per run of a style), keeping the line's own style and alignment.
fn to_line(cells: &[(char, Style)], like: &Line<'_>) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut text = String::new();
    let mut style = cells.first().map_or(Style::new(), |(_, s)| *s);
    for (c, s) in cells {
        if *s != style {
            spans.push(Span::styled(std::mem::take(&mut text), style));
            style = *s;
        }
        text.push(*c);
    }
    if !text.is_empty() {
        spans.push(Span::styled(text, style));
    }
    let mut out = Line::from(spans).style(like.style);
    out.alignment = like.alignment;
    out
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

    fn text(lines: &[Line<'_>]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn a_cut_styled_line_ends_in_an_ellipsis() {
        let line = Line::from(vec![Span::raw(" acme-production "), Span::raw(" PROD ")]);
        assert_eq!(truncate_line(line.clone(), 12).to_string(), " acme-produ…");
        assert_eq!(
            truncate_line(line, 40).to_string(),
            " acme-production  PROD "
        );
    }

    #[test]
    fn wrapped_lines_keep_their_indent() {
        let lines = hang(
            vec![Line::from(
                "   ▸ The callback URL is not registered on the app",
            )],
            24,
        );
        assert_eq!(
            text(&lines),
            [
                "   ▸ The callback URL is",
                "     not registered on",
                "     the app"
            ]
        );
        let lines = hang(
            vec![Line::from("   2. Add the user's profile to the app.")],
            20,
        );
        assert_eq!(
            text(&lines),
            ["   2. Add the user's", "      profile to the", "      app."]
        );
        let lines = hang(
            vec![Line::from(
                " Open this address: https://acme.my.salesforce.com/x",
            )],
            24,
        );
        assert_eq!(
            text(&lines),
            [
                " Open this address:",
                " https://acme.my.salesfo",
                " rce.com/x"
            ]
        );
        for l in &lines {
            assert!(l.width() <= 24, "{l}");
        }
    }

    #[test]
    fn scrolling_stops_at_the_last_row() {
        assert_eq!(max_scroll(30, 10), 20);
        assert_eq!(max_scroll(5, 10), 0);
    }
}
