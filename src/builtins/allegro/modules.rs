//! `require` of Allegro's module names (franz.com, Allegro CL 10.1
//! `operators/cl/require.htm`): the modules sendletter builds in are
//! provided on request; Allegro's other modules are an error that says
//! so, never "Don't know how to REQUIRE".

use crate::eval::{Interp, LResult, Value};

/// Modules whose functions sendletter has built in: requiring one records
/// it in `*modules*`. `:test` also defines the `util.test` package.
pub const PROVIDED: &[&str] = &[
    "SMTP", "MIME", "IMAP", "RFC2822", "OSI", "REGEXP2", "REGEXP", "TEST", "TESTER",
];

/// Is NAME built in?
pub fn is_provided(name: &str) -> bool {
    PROVIDED.iter().any(|m| m.eq_ignore_ascii_case(name))
}

/// What requiring a built-in module does beyond recording it: `:test`
/// reads `util.test` (Franz's test harness, written in Lisp).
pub fn load_builtin(it: &mut Interp, name: &str) -> LResult<()> {
    if name.eq_ignore_ascii_case("TEST") || name.eq_ignore_ascii_case("TESTER") {
        super::lisp::load_test_harness(it)?;
    }
    Ok(())
}

/// The error for a module neither built in nor given as files.
pub fn not_provided(it: &mut Interp, name: &str) -> LResult<Value> {
    let msg = match super::missing::unprovided_module(name) {
        Some(m) => m,
        None => format!(
            "sendletter cannot REQUIRE {name}: it is not one of the modules sendletter provides ({}) and no file was given",
            PROVIDED
                .iter()
                .map(|m| format!(":{}", m.to_ascii_lowercase()))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    };
    it.simple_error(msg)
}
