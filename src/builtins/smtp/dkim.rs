//! DKIM for the mail builtins: which signer a letter gets, and signing it
//! before delivery.
//!
//! Configured outside the script (`--dkim`, `--dkim-config`,
//! `SENDLETTER_DKIM`, `SENDLETTER_DKIM_CONFIG`; loaded by the command
//! line into [`configure`]), so unchanged Allegro scripts send signed
//! letters; or inside it with `net.post-office:*dkim*` (our extension):
//!
//! - `nil` (the default): the outside configuration, by `From` domain;
//! - `:none`: do not sign;
//! - `(:domain "example.com" :selector "mail" :key-file "/path/key.pem"
//!   [:canonicalization "relaxed/relaxed"] [:expire seconds])`: sign
//!   every letter with this key.

use std::cell::RefCell;
use std::io::{self, Write};
use std::path::PathBuf;
use std::rc::Rc;

use crate::builtins::args;
use crate::eval::package::{find_package, intern_in, keyword};
use crate::eval::value::Value;
use crate::eval::{Interp, LResult};
use crate::mail::dkim::{self, config, Canonicalization, Entry, Keyring, Signature, Signer};
use crate::printer::prin1_to_string;

/// The Lisp name of the setting.
pub const VARIABLE: &str = "*DKIM*";

/// Keep the outside configuration for the mail builtins.
pub fn configure(it: &mut Interp, keyring: Keyring) {
    it.ext.insert("dkim", Box::new(Rc::new(keyring)));
}

/// Install `net.post-office:*dkim*` (exported, NIL).
pub fn install(po: &Rc<crate::eval::package::Package>) {
    let sym = intern_in(VARIABLE, po);
    sym.special.set(true);
    *sym.value.borrow_mut() = Some(Value::Nil);
    crate::eval::package::export(&sym, po);
}

/// How this delivery is signed.
pub enum Choice {
    /// Not at all.
    Off,
    /// Always with this signer (`*dkim*` names one).
    Fixed(Signer),
    /// By the `From` domain, from the outside configuration.
    ByDomain(Rc<Keyring>),
}

/// The choice for the next delivery: `*dkim*`, else the outside
/// configuration.
pub fn choice(it: &mut Interp) -> LResult<Choice> {
    let value = find_package("NET.POST-OFFICE")
        .map(|po| intern_in(VARIABLE, &po))
        .and_then(|sym| sym.value.borrow().clone())
        .unwrap_or(Value::Nil);
    match &value {
        Value::Nil => {
            let keyring = it
                .ext
                .get("dkim")
                .and_then(|b| b.downcast_ref::<Rc<Keyring>>())
                .cloned();
            Ok(match keyring {
                Some(k) if !k.is_empty() => Choice::ByDomain(k),
                _ => Choice::Off,
            })
        }
        Value::Symbol(s) if Rc::ptr_eq(s, &keyword("NONE")) => Ok(Choice::Off),
        Value::Cons(_) => {
            let entry = entry_from_plist(it, &value)?;
            match Signer::load(entry) {
                Ok(signer) => Ok(Choice::Fixed(signer)),
                Err(e) => it.simple_error(format!("{VARIABLE}: {e}")),
            }
        }
        other => bad(
            it,
            other,
            "want NIL, :NONE or (:domain D :selector S :key-file F ...)",
        ),
    }
}

fn bad<T>(it: &mut Interp, v: &Value, why: &str) -> LResult<T> {
    it.simple_error(format!(
        "net.post-office:{VARIABLE} is {}: {why}",
        prin1_to_string(v)
    ))
}

fn text_of(it: &mut Interp, v: &Value, what: &str) -> LResult<String> {
    match v {
        Value::String(s) => Ok(s.borrow().clone()),
        Value::Pathname(p) if what == ":key-file" => Ok(p.namestring()),
        other => bad(it, other, &format!("{what} wants a string")),
    }
}

/// `(:domain "d" :selector "s" :key-file "f" :canonicalization c :expire n)`.
fn entry_from_plist(it: &mut Interp, plist: &Value) -> LResult<Entry> {
    let items = args::list(it, plist)?;
    if items.len() % 2 != 0 {
        return bad(it, plist, "an odd number of elements in the property list");
    }
    let (mut domain, mut selector, mut key_file) = (None, None, None);
    let mut canon = Canonicalization::default();
    let mut expire = None;
    for pair in items.chunks(2) {
        let (k, v) = (&pair[0], &pair[1]);
        let name = match k {
            Value::Symbol(s) if s.is_keyword() => s.name.clone(),
            other => return bad(it, other, "property names must be keywords"),
        };
        match name.as_str() {
            "DOMAIN" => domain = Some(text_of(it, v, ":domain")?),
            "SELECTOR" => selector = Some(text_of(it, v, ":selector")?),
            "KEY-FILE" => key_file = Some(text_of(it, v, ":key-file")?),
            "CANONICALIZATION" => {
                let text = match v {
                    Value::Symbol(s) => s.name.to_ascii_lowercase(),
                    other => text_of(it, other, ":canonicalization")?,
                };
                canon = match Canonicalization::parse(&text) {
                    Some(c) => c,
                    None => return bad(it, v, "want \"relaxed/relaxed\", \"simple/simple\", \"relaxed/simple\", \"simple/relaxed\", :relaxed or :simple"),
                };
            }
            "EXPIRE" => match v {
                Value::Nil => expire = None,
                Value::Fixnum(n) if *n > 0 => expire = Some(*n as u64),
                other => return bad(it, other, ":expire wants a positive number of seconds"),
            },
            _ => {
                return bad(
                    it,
                    k,
                    "unknown property (:domain :selector :key-file :canonicalization :expire)",
                )
            }
        }
    }
    let (Some(domain), Some(selector), Some(key_file)) = (domain, selector, key_file) else {
        return bad(it, plist, ":domain, :selector and :key-file are all needed");
    };
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    if !config::is_domain(&domain) {
        return bad(it, &Value::string(domain), ":domain is not a domain name");
    }
    if !config::is_selector(&selector) {
        return bad(it, &Value::string(selector), ":selector is not a selector");
    }
    Ok(Entry {
        domain,
        selector,
        key_file: PathBuf::from(key_file),
        canon,
        expire,
    })
}

/// The first pass over a letter and its signature, if it is to be signed.
/// `write_message` must write the same letter each time it is called.
pub fn sign(
    it: &mut Interp,
    choice: &Choice,
    write_message: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
) -> LResult<Option<Signature>> {
    // The key is chosen by the domain of the From field sent (RFC 6376
    // §3.5 signs that field; DMARC aligns with its domain), so a From
    // given in `:headers` chooses it, not the envelope sender.
    let unsigned_from: RefCell<Option<Option<String>>> = RefCell::new(None);
    let pick = |domain: Option<&str>| match choice {
        Choice::Off => None,
        Choice::Fixed(signer) => Some(signer.clone()),
        Choice::ByDomain(keyring) => {
            let signer = domain.and_then(|d| keyring.for_domain(d)).cloned();
            if signer.is_none() {
                *unsigned_from.borrow_mut() = Some(domain.map(str::to_string));
            }
            signer
        }
    };
    let signature = match dkim::sign_message(write_message, &pick, dkim::now()) {
        Ok(signature) => signature,
        Err(e) => return it.simple_error(e.to_string()),
    };
    // Signing is configured but covers not this letter: a warning the
    // script can muffle, since receivers enforcing DMARC may refuse it.
    if let Some(domain) = unsigned_from.into_inner() {
        let (control, args) = match domain {
            Some(d) => (
                "DKIM: no key is configured for the From domain ~A; the letter is sent unsigned.",
                vec![Value::string(d)],
            ),
            None => (
                "DKIM: the letter's From field has no address with a domain; it is sent unsigned.",
                vec![],
            ),
        };
        let mut call = vec![Value::string(control)];
        call.extend(args);
        it.call_named(&crate::eval::package::cl_sym("WARN"), &call)?;
    }
    Ok(signature)
}
