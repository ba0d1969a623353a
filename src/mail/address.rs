//! Package `net.mail` (Allegro's rfc2822.cl, spec §1.5): checking one
//! address, and reading the addresses of a header (RFC 5322 §3.4).

/// RFC 5322 atext: anything but white space, controls and specials.
fn is_atext(c: char) -> bool {
    !c.is_whitespace() && !c.is_control() && !"()<>[]:;@\\,.\"".contains(c)
}

fn is_dot_atom(s: &str) -> bool {
    !s.is_empty()
        && s.split('.')
            .all(|p| !p.is_empty() && p.chars().all(is_atext))
}

/// `parse-email-address`: `(local, domain)` of a bare `local@domain`
/// (dot-atoms only, surrounding white space allowed), or `None`. The
/// local part is at most 64 characters (RFC 3696 §3).
pub fn parse_email_address(
    s: &str,
    require_domain: bool,
    require_dotted_domain: bool,
) -> Option<(String, Option<String>)> {
    let s = s.trim_matches(|c: char| c.is_whitespace());
    let (local, domain) = match s.split_once('@') {
        Some((l, d)) => (l, Some(d)),
        None => (s, None),
    };
    if !is_dot_atom(local) || local.chars().count() > 64 {
        return None;
    }
    match domain {
        Some(d) if !is_dot_atom(d) => None,
        Some(d) if require_dotted_domain && !d.contains('.') => None,
        None if require_domain => None,
        d => Some((local.to_string(), d.map(str::to_string))),
    }
}

/// One parsed address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    /// display name, local part, domain
    Mailbox(Option<String>, String, Option<String>),
    /// display name, members
    Group(String, Vec<Address>),
}

/// A syntax error, with where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressError(pub String);

/// `extract-email-addresses`: an RFC 5322 address list (groups, comments,
/// quoted strings, obsolete phrases; folding unfolded first).
pub fn extract_email_addresses(
    text: &str,
    require_domain: bool,
) -> Result<Vec<Address>, AddressError> {
    let unfolded = text
        .replace("\r\n", "\n")
        .replace("\n ", " ")
        .replace("\n\t", "\t");
    let mut p = Parser {
        s: unfolded.chars().collect(),
        i: 0,
        require_domain,
    };
    let mut out = Vec::new();
    loop {
        p.cfws()?;
        if p.at_end() {
            break;
        }
        if p.peek() == Some(',') {
            p.i += 1;
            continue;
        }
        out.push(p.address()?);
        p.cfws()?;
        match p.peek() {
            None => break,
            Some(',') => p.i += 1,
            Some(c) => return Err(p.error(&format!("unexpected {c:?}"))),
        }
    }
    Ok(out)
}

struct Parser {
    s: Vec<char>,
    i: usize,
    require_domain: bool,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }
    fn at_end(&self) -> bool {
        self.i >= self.s.len()
    }
    fn error(&self, what: &str) -> AddressError {
        AddressError(format!("bad address list at position {}: {what}", self.i))
    }

    /// White space and comments; the last comment's text is returned
    /// (a trailing comment names a mailbox that has no display name).
    fn cfws(&mut self) -> Result<Option<String>, AddressError> {
        let mut last = None;
        loop {
            match self.peek() {
                Some(c) if c.is_whitespace() => self.i += 1,
                Some('(') => last = Some(self.comment()?),
                _ => return Ok(last),
            }
        }
    }

    /// A comment, nested up to 3 deep as Franz's parser allows (deeper
    /// is refused rather than recursed into).
    fn comment(&mut self) -> Result<String, AddressError> {
        let mut depth = 0usize;
        let mut text = String::new();
        loop {
            match self.peek() {
                None => return Err(self.error("unclosed comment")),
                Some('(') => {
                    depth += 1;
                    if depth > 3 {
                        return Err(self.error("comments nested too deeply"));
                    }
                    if depth > 1 {
                        text.push('(');
                    }
                }
                Some(')') => {
                    depth -= 1;
                    if depth == 0 {
                        self.i += 1;
                        return Ok(text);
                    }
                    text.push(')');
                }
                Some('\\') => {
                    self.i += 1;
                    if let Some(c) = self.peek() {
                        text.push(c);
                    }
                }
                Some(c) => text.push(c),
            }
            self.i += 1;
        }
    }

    fn quoted(&mut self) -> Result<String, AddressError> {
        self.i += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err(self.error("unclosed quoted string")),
                Some('"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some('\\') => {
                    self.i += 1;
                    if let Some(c) = self.peek() {
                        out.push(c);
                    }
                }
                Some(c) => out.push(c),
            }
            self.i += 1;
        }
    }

    /// Words (atoms, quoted strings, dots of obs-phrase) up to a special,
    /// with the white space between them kept as written.
    fn phrase(&mut self) -> Result<String, AddressError> {
        let mut out = String::new();
        loop {
            match self.peek() {
                Some('"') => out.push_str(&self.quoted()?),
                Some('(') => {
                    self.comment()?;
                }
                Some(c) if c.is_whitespace() => {
                    out.push(' ');
                    while self.peek().is_some_and(char::is_whitespace) {
                        self.i += 1;
                    }
                }
                Some(c) if is_atext(c) || c == '.' => {
                    out.push(c);
                    self.i += 1;
                }
                _ => return Ok(out),
            }
        }
    }

    fn address(&mut self) -> Result<Address, AddressError> {
        let start = self.i;
        let phrase = self.phrase()?;
        match self.peek() {
            Some('<') => {
                let (l, d) = self.angle_addr()?;
                let name = phrase.trim_start().to_string();
                let trailing = self.cfws()?;
                let name = if name.is_empty() {
                    trailing
                } else {
                    Some(name)
                };
                Ok(Address::Mailbox(name, l, d))
            }
            Some(':') => {
                self.i += 1;
                let mut members = Vec::new();
                loop {
                    self.cfws()?;
                    match self.peek() {
                        Some(';') => {
                            self.i += 1;
                            break;
                        }
                        Some(',') => self.i += 1,
                        None => return Err(self.error("a group without its ;")),
                        _ => match self.address()? {
                            m @ Address::Mailbox(..) => members.push(m),
                            Address::Group(..) => return Err(self.error("a group inside a group")),
                        },
                    }
                }
                Ok(Address::Group(phrase.trim().to_string(), members))
            }
            _ => {
                self.i = start;
                self.cfws()?;
                let (l, d) = self.addr_spec()?;
                let trailing = self.cfws()?;
                Ok(Address::Mailbox(trailing, l, d))
            }
        }
    }

    fn angle_addr(&mut self) -> Result<(String, Option<String>), AddressError> {
        self.i += 1;
        self.cfws()?;
        // obs-route: `<@a,@b:local@domain>` — the route is skipped.
        if self.peek() == Some('@') {
            while self.peek().is_some_and(|c| c != ':') {
                self.i += 1;
            }
            self.i += 1;
        }
        let r = self.addr_spec()?;
        self.cfws()?;
        if self.peek() != Some('>') {
            return Err(self.error("a < without its >"));
        }
        self.i += 1;
        Ok(r)
    }

    fn dot_atom_text(&mut self, what: &str) -> Result<String, AddressError> {
        let mut out = String::new();
        loop {
            self.cfws()?;
            match self.peek() {
                Some('"') => out.push_str(&self.quoted()?),
                Some('[') if what == "domain" => {
                    while let Some(c) = self.peek() {
                        out.push(c);
                        self.i += 1;
                        if c == ']' {
                            break;
                        }
                    }
                }
                _ => {
                    let start = self.i;
                    while self.peek().is_some_and(is_atext) {
                        self.i += 1;
                    }
                    if self.i == start {
                        return Err(self.error(&format!("an empty {what}")));
                    }
                    out.extend(&self.s[start..self.i]);
                }
            }
            let save = self.i;
            self.cfws()?;
            if self.peek() == Some('.') {
                self.i += 1;
                out.push('.');
            } else {
                self.i = save;
                return Ok(out);
            }
        }
    }

    fn addr_spec(&mut self) -> Result<(String, Option<String>), AddressError> {
        let local = self.dot_atom_text("local part")?;
        self.cfws()?;
        if self.peek() == Some('@') {
            self.i += 1;
            let domain = self.dot_atom_text("domain")?;
            Ok((local, Some(domain)))
        } else if self.require_domain {
            Err(self.error("an address without a domain"))
        } else {
            Ok((local, None))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn franz_parse_email_address_cases() {
        let ok = |s: &str, l: &str, d: &str| {
            assert_eq!(
                parse_email_address(s, true, true),
                Some((l.to_string(), Some(d.to_string()))),
                "{s:?}"
            )
        };
        ok("foo@bar.com", "foo", "bar.com");
        ok("\n\nlayer@franz.com", "layer", "franz.com");
        ok("\n\nlayer@franz.com\n  \n", "layer", "franz.com");
        ok("\r\rlayer@franz.com\r  \r", "layer", "franz.com");
        let l64 = "a".repeat(64);
        ok(&format!("{l64}@x.com"), &l64, "x.com");
        assert_eq!(parse_email_address("@foo.com", true, true), None);
        assert_eq!(
            parse_email_address(&format!("{l64}a@x.com"), true, true),
            None
        );
        assert_eq!(parse_email_address("me@localhost", true, true), None);
        assert!(parse_email_address("me@localhost", true, false).is_some());
        assert_eq!(
            parse_email_address("me", false, true),
            Some(("me".into(), None))
        );
        assert_eq!(parse_email_address("a b@c.d", true, true), None);
    }

    #[test]
    fn address_lists() {
        let r = extract_email_addresses(
            "Joe Example <joe@example.com>, \"Doe, Jane\" <jane@x.org>, bob@y.net (Bob B),\r\n undisclosed: a@b.c, d@e.f;",
            true,
        )
        .unwrap();
        assert_eq!(
            r[0],
            Address::Mailbox(
                Some("Joe Example ".into()),
                "joe".into(),
                Some("example.com".into())
            )
        );
        assert_eq!(
            r[1],
            Address::Mailbox(
                Some("Doe, Jane ".into()),
                "jane".into(),
                Some("x.org".into())
            )
        );
        assert_eq!(
            r[2],
            Address::Mailbox(Some("Bob B".into()), "bob".into(), Some("y.net".into()))
        );
        let Address::Group(name, members) = &r[3] else {
            panic!("{r:?}")
        };
        assert_eq!(name, "undisclosed");
        assert_eq!(members.len(), 2);
        for bad in [
            "<a@b",
            "a@",
            "\"x",
            "(((( deep )))) a@b",
            "a@b c@d",
            "g: a@b",
        ] {
            assert!(extract_email_addresses(bad, true).is_err(), "{bad:?}");
        }
        assert!(extract_email_addresses("me", true).is_err());
        assert!(extract_email_addresses("me", false).is_ok());
    }
}
