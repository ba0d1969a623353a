//! "Did you mean …?" for a misspelt keyword: the valid names listed and
//! the nearest one suggested, for the errors of keyword arguments
//! (`lambda.rs`, `builtins/args.rs`) and for `--check`.
//!
//! Hand-written: a plain Levenshtein distance over a handful of short
//! names is a few lines, not worth a dependency.

/// Edit distance (insertions, deletions, substitutions; a swap of two
/// neighbours counts as one, as typing slips usually are).
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows of the optimal-string-alignment table.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The valid name nearest to `wrong`, if it is near enough to be a slip:
/// at most a third of its length changed (at least one edit, at most three),
/// or one is a prefix of the other.
pub fn nearest<'a>(wrong: &str, valid: &[&'a str]) -> Option<&'a str> {
    let wrong_up = wrong.to_ascii_uppercase();
    let best = valid
        .iter()
        .map(|v| (distance(&wrong_up, &v.to_ascii_uppercase()), *v))
        .min_by_key(|(d, _)| *d)?;
    let limit = (wrong.chars().count() / 3).clamp(1, 3);
    let prefix = valid.iter().find(|v| {
        let v = v.to_ascii_uppercase();
        wrong_up.len() >= 3 && (v.starts_with(&wrong_up) || wrong_up.starts_with(&v))
    });
    if best.0 <= limit {
        Some(best.1)
    } else {
        prefix.copied()
    }
}

/// `; the valid keywords are :A, :B — did you mean :A?` for an unknown
/// keyword `wrong` (names without the colon).
pub fn keyword_hint(wrong: &str, valid: &[&str]) -> String {
    let mut text = String::new();
    if valid.is_empty() {
        text.push_str("; it takes no keyword arguments");
        return text;
    }
    text.push_str("; the valid keywords are ");
    let listed: Vec<String> = valid.iter().map(|v| format!(":{v}")).collect();
    text.push_str(&listed.join(", "));
    if let Some(near) = nearest(wrong, valid) {
        text.push_str(&format!(" — did you mean :{near}?"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slips_are_near() {
        assert_eq!(distance("SUBJCT", "SUBJECT"), 1);
        assert_eq!(distance("SUBEJCT", "SUBJECT"), 1);
        assert_eq!(distance("", "CC"), 2);
        let valid = ["CC", "BCC", "SUBJECT", "REPLY-TO", "ATTACHMENTS"];
        assert_eq!(nearest("subjct", &valid), Some("SUBJECT"));
        assert_eq!(nearest("ATTACHMENT", &valid), Some("ATTACHMENTS"));
        assert_eq!(nearest("attach", &valid), Some("ATTACHMENTS"));
        assert_eq!(nearest("XYZZY", &valid), None);
    }

    #[test]
    fn the_hint_lists_and_suggests() {
        let hint = keyword_hint("SUBJCT", &["CC", "SUBJECT"]);
        assert_eq!(
            hint,
            "; the valid keywords are :CC, :SUBJECT — did you mean :SUBJECT?"
        );
        assert_eq!(keyword_hint("FOO", &["CC"]), "; the valid keywords are :CC");
        assert_eq!(keyword_hint("FOO", &[]), "; it takes no keyword arguments");
    }
}
