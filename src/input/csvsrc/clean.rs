//! What a cell is cleaned of and an id checked for: invisible characters
//! at the edges, and control characters.

use std::borrow::Cow;

/// Columns that hold ids: cleaned of invisible characters at their ends,
/// and refused when they hold a control character (see
/// [`Row::id_at`](super::Row::id_at)).
pub const ID_COLUMNS: &[&str] = &[
    "claim_id",
    "person_id",
    "institution_id",
    "item_code",
    "prescription_id",
    "prescriber_id",
    "reverses_claim_id",
];

/// Characters that show as nothing and that exports leave at the edges of
/// cells: a byte-order mark (also in mid-file, where two exports were
/// joined), zero-width space, non-joiner, joiner and word joiner. Kept,
/// `"C1\u{200B}"` and `"C1"` would be two claims.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{FEFF}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}'
    )
}

/// A cell without surrounding white space and invisible characters.
pub(super) fn trim_cell(s: &str) -> &str {
    // The usual cell: a printable ASCII character at each end, nothing to
    // trim (no white space or invisible character is printable ASCII).
    let b = s.as_bytes();
    if b.first().is_none_or(u8::is_ascii_graphic) && b.last().is_none_or(u8::is_ascii_graphic) {
        return s;
    }
    let t = s.trim();
    // The common case: no non-ASCII character at either end.
    if t.as_bytes().first().is_none_or(|b| b.is_ascii())
        && t.as_bytes().last().is_none_or(|b| b.is_ascii())
    {
        return t;
    }
    t.trim_matches(|c: char| c.is_whitespace() || is_invisible(c))
}

/// Whether a cell has an invisible character at either end (under its
/// white space).
pub(super) fn has_edge_invisible(cell: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(cell) else {
        return false;
    };
    let t = s.trim();
    t.chars().next().is_some_and(is_invisible) || t.chars().next_back().is_some_and(is_invisible)
}

/// Whether text holds a control character (C0, DEL or C1).
pub fn has_control(s: &str) -> bool {
    // C0 controls and DEL are single bytes; C1 controls are C2 80..9F:
    // text without those bytes needs no closer look.
    !s.bytes().all(|b| b >= 0x20 && b != 0x7F && b != 0xC2) && s.chars().any(char::is_control)
}

/// An id as a grouping key: without control characters, so that a line
/// whose claim id holds one (and is quarantined for it) is held back with
/// the rest of its claim instead of standing alone.
pub fn id_key(id: &str) -> Cow<'_, str> {
    if has_control(id) {
        Cow::Owned(id.chars().filter(|c| !c.is_control()).collect())
    } else {
        Cow::Borrowed(id)
    }
}
