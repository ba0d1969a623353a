//! `*features*` as Allegro CL 10.1 shows them on 64-bit Linux, and
//! `excl:featurep` (franz.com, Allegro CL 10.1 `operators/excl/featurep.htm`;
//! feature expressions with `version>=`, `implementation.htm`).

use crate::builtins::BuiltinDef;
use crate::def;
use crate::eval::{Interp, LResult, Value};

/// The Allegro release sendletter's layer follows.
pub const ALLEGRO_VERSION: (i64, i64) = (10, 1);

/// The features at start-up: sendletter's own, then those an Allegro CL
/// 10.1 script tests for on this platform. Processor and byte-order
/// features come from the build target, so `#+x86-64` is never a lie.
pub fn initial_features() -> Vec<&'static str> {
    let mut f = vec![
        "SENDLETTER",
        "COMMON-LISP",
        "ANSI-CL",
        "ALLEGRO",
        "FRANZ-INC",
        "EXCL",
        "ALLEGRO-VERSION>=",
        "ALLEGRO-VERSION=",
        "ALLEGRO-V10.1",
        "ALLEGRO-CL-ENTERPRISE",
        "NEW-ENVIRONMENTS",
        "ICS",
        "OS-THREADS",
        "SSL-SUPPORT",
        "IPV6",
        "UNIX",
    ];
    if cfg!(target_os = "linux") {
        f.push("LINUX");
    }
    if cfg!(target_os = "macos") {
        f.push("MACOSX");
    }
    if cfg!(target_arch = "x86_64") {
        f.extend(["X86-64", "AMD64"]);
    }
    if cfg!(target_arch = "aarch64") {
        f.push("ARM64");
    }
    if cfg!(target_pointer_width = "64") {
        f.push("64BIT");
    }
    if cfg!(target_endian = "little") {
        f.push("LITTLE-ENDIAN");
    } else {
        f.push("BIG-ENDIAN");
    }
    f
}

/// Allegro's `(version>= major [minor])` feature expression: true when
/// the release is at least MAJOR.MINOR.
pub fn version_at_least(args: &[Value]) -> Result<bool, String> {
    let num = |v: Option<&Value>| match v {
        None => Ok(0),
        Some(Value::Fixnum(n)) => Ok(*n),
        Some(_) => Err("(version>= major [minor]) takes integers".to_string()),
    };
    if args.is_empty() || args.len() > 2 {
        return Err("(version>= major [minor]) takes one or two integers".to_string());
    }
    let wanted = (num(args.first())?, num(args.get(1))?);
    Ok(ALLEGRO_VERSION >= wanted)
}

pub const BUILTINS: &[BuiltinDef] = &[def!(
    "EXCL" : "FEATUREP",
    "(feature-expression)",
    1,
    1,
    featurep,
    "True when FEATURE-EXPRESSION (a feature, or (and ...), (or ...), (not ...), (version>= ...)) holds against *FEATURES*."
)];

fn featurep(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    match crate::reader::feature_holds(&a[0]) {
        Ok(b) => Ok(Value::bool(b)),
        Err(msg) => it.simple_error(format!("FEATUREP: {msg}")),
    }
}
