//! Floats as SBCL prints them (CLHS 22.1.3.1.3): the shortest digits that
//! read back to the same float; plain notation for 1e-3 <= |x| < 1e7,
//! exponent notation otherwise. The exponent marker is `e` for floats of
//! `*read-default-float-format*` and `f`/`d` for the other format, and a
//! float of the non-default format in plain notation gets `f0`/`d0`.

/// A float's format relative to `*read-default-float-format*`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Marker {
    /// The default format: no suffix, `e` exponent.
    Default,
    /// Non-default single-float: `f`.
    Single,
    /// Non-default double-float: `d`.
    Double,
}

/// A single-float.
pub fn single(f: f32, marker: Marker) -> String {
    if f.is_nan() {
        return "#<SINGLE-FLOAT quiet NaN>".into();
    }
    if f.is_infinite() {
        let sign = if f > 0.0 { "POSITIVE" } else { "NEGATIVE" };
        return format!("#.SB-EXT:SINGLE-FLOAT-{sign}-INFINITY");
    }
    let a = f.abs();
    layout(
        f.is_sign_negative(),
        a == 0.0 || (1e-3..1e7).contains(&a),
        format!("{a}"),
        format!("{a:e}"),
        marker,
    )
}

/// A double-float.
pub fn double(f: f64, marker: Marker) -> String {
    if f.is_nan() {
        return "#<DOUBLE-FLOAT quiet NaN>".into();
    }
    if f.is_infinite() {
        let sign = if f > 0.0 { "POSITIVE" } else { "NEGATIVE" };
        return format!("#.SB-EXT:DOUBLE-FLOAT-{sign}-INFINITY");
    }
    let a = f.abs();
    layout(
        f.is_sign_negative(),
        a == 0.0 || (1e-3..1e7).contains(&a),
        format!("{a}"),
        format!("{a:e}"),
        marker,
    )
}

/// Rust's `{}` and `{:e}` already give the shortest round-trip digits;
/// only the layout differs from SBCL's.
fn layout(negative: bool, plain_range: bool, plain: String, sci: String, marker: Marker) -> String {
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    let letter = match marker {
        Marker::Default => 'e',
        Marker::Single => 'f',
        Marker::Double => 'd',
    };
    if plain_range {
        out.push_str(&plain);
        if !plain.contains('.') {
            out.push_str(".0");
        }
        if marker != Marker::Default {
            out.push(letter);
            out.push('0');
        }
        return out;
    }
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    out.push_str(mantissa);
    if !mantissa.contains('.') {
        out.push_str(".0");
    }
    out.push(letter);
    out.push_str(exponent);
    out
}
