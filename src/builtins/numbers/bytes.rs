//! Byte specifiers and the functions on them (CLHS 12.1.4.3 and the
//! dictionary entries `byte`, `ldb`, `dpb`, `mask-field`,
//! `deposit-field`, `ldb-test`), and `boole` with its sixteen operations.
//! A byte specifier is `(size . position)`, as in SBCL.

use num_bigint::BigInt;
use num_traits::{One, Signed, Zero};

use super::arith::to_bigint;
use crate::builtins::args::type_err;
use crate::eval::{Interp, LResult, Value};

/// The widest byte or furthest position built as a mask, in bits; past it
/// the answer is worked out without one, or the mask would not fit.
const MAX_BITS: u64 = 1 << 28;

fn integer(it: &mut Interp, v: &Value) -> LResult<BigInt> {
    match to_bigint(v) {
        Some(n) => Ok(n),
        None => type_err(it, v, "INTEGER"),
    }
}

/// A non-negative integer, saturated at `u64::MAX` (a bignum position or
/// size is far past any integer's bits).
fn unsigned(it: &mut Interp, v: &Value) -> LResult<u64> {
    match v {
        Value::Fixnum(n) if *n >= 0 => Ok(*n as u64),
        Value::Bignum(b) if !b.is_negative() => Ok(u64::MAX),
        _ => type_err(it, v, "UNSIGNED-BYTE"),
    }
}

fn bytespec(it: &mut Interp, v: &Value) -> LResult<(u64, u64)> {
    match v {
        Value::Cons(c) => {
            let (size, pos) = (c.car.borrow().clone(), c.cdr.borrow().clone());
            Ok((unsigned(it, &size)?, unsigned(it, &pos)?))
        }
        _ => type_err(it, v, "(CONS UNSIGNED-BYTE UNSIGNED-BYTE)"),
    }
}

fn too_large<T>(it: &mut Interp, op: &str) -> LResult<T> {
    let c = it.make_error(
        "STORAGE-CONDITION",
        &format!("{op}: the byte is too large to build"),
    );
    it.err(c)
}

/// `size` one bits.
fn ones(it: &mut Interp, size: u64, op: &str) -> LResult<BigInt> {
    if size > MAX_BITS {
        return too_large(it, op);
    }
    Ok((BigInt::one() << size as usize) - 1)
}

/// The bits of `n` in the byte, shifted down: `ldb`.
fn extract(it: &mut Interp, n: &BigInt, size: u64, pos: u64, op: &str) -> LResult<BigInt> {
    if size == 0 {
        return Ok(BigInt::zero());
    }
    // Past the integer's own bits every bit is its sign.
    if pos >= n.bits() {
        return if n.is_negative() {
            ones(it, size, op)
        } else {
            Ok(BigInt::zero())
        };
    }
    let shifted = n >> pos as usize;
    if !shifted.is_negative() && size >= shifted.bits() {
        return Ok(shifted);
    }
    Ok(shifted & ones(it, size, op)?)
}

/// The mask of the byte in place: `size` ones shifted up by `pos`.
fn field_mask(it: &mut Interp, size: u64, pos: u64, op: &str) -> LResult<BigInt> {
    if size == 0 {
        return Ok(BigInt::zero());
    }
    if pos > MAX_BITS {
        return too_large(it, op);
    }
    Ok(ones(it, size, op)? << pos as usize)
}

pub fn byte(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    unsigned(it, &a[0])?;
    unsigned(it, &a[1])?;
    Ok(Value::cons(a[0].clone(), a[1].clone()))
}

pub fn byte_size(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    bytespec(it, &a[0])?;
    Ok(a[0].car())
}

pub fn byte_position(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    bytespec(it, &a[0])?;
    Ok(a[0].cdr())
}

pub fn ldb(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (size, pos) = bytespec(it, &a[0])?;
    let n = integer(it, &a[1])?;
    Ok(Value::integer(extract(it, &n, size, pos, "LDB")?))
}

pub fn ldb_test(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (size, pos) = bytespec(it, &a[0])?;
    let n = integer(it, &a[1])?;
    Ok(Value::bool(
        !extract(it, &n, size, pos, "LDB-TEST")?.is_zero(),
    ))
}

pub fn mask_field(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (size, pos) = bytespec(it, &a[0])?;
    let n = integer(it, &a[1])?;
    if size == 0 || (pos >= n.bits() && !n.is_negative()) {
        return Ok(Value::Fixnum(0));
    }
    // A non-negative integer wholly inside the byte is its own field.
    if !n.is_negative() && pos == 0 && size >= n.bits() {
        return Ok(Value::integer(n));
    }
    let mask = field_mask(it, size, pos, "MASK-FIELD")?;
    Ok(Value::integer(n & mask))
}

/// Replace the byte of `n` by the bits of `new` that `placed` gives.
fn deposit(it: &mut Interp, a: &[Value], op: &str, shift_new: bool) -> LResult<Value> {
    let new = integer(it, &a[0])?;
    let (size, pos) = bytespec(it, &a[1])?;
    let n = integer(it, &a[2])?;
    if size == 0 {
        return Ok(Value::integer(n));
    }
    let mask = field_mask(it, size, pos, op)?;
    let new = if shift_new { new << pos as usize } else { new };
    Ok(Value::integer((n & !mask.clone()) | (new & mask)))
}

pub fn dpb(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    deposit(it, a, "DPB", true)
}

pub fn deposit_field(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    deposit(it, a, "DEPOSIT-FIELD", false)
}

/// The sixteen `boole-` constants, with SBCL's values.
pub const BOOLE_CONSTANTS: [(&str, i64); 16] = [
    ("BOOLE-CLR", 0),
    ("BOOLE-SET", 1),
    ("BOOLE-1", 2),
    ("BOOLE-2", 3),
    ("BOOLE-C1", 4),
    ("BOOLE-C2", 5),
    ("BOOLE-AND", 6),
    ("BOOLE-IOR", 7),
    ("BOOLE-XOR", 8),
    ("BOOLE-EQV", 9),
    ("BOOLE-NAND", 10),
    ("BOOLE-NOR", 11),
    ("BOOLE-ANDC1", 12),
    ("BOOLE-ANDC2", 13),
    ("BOOLE-ORC1", 14),
    ("BOOLE-ORC2", 15),
];

pub fn boole(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let op = match &a[0] {
        Value::Fixnum(n) if (0..16).contains(n) => *n,
        v => return type_err(it, v, "(INTEGER 0 15)"),
    };
    let x = integer(it, &a[1])?;
    let y = integer(it, &a[2])?;
    let r = match op {
        0 => BigInt::zero(),
        1 => -BigInt::one(),
        2 => x,
        3 => y,
        4 => !x,
        5 => !y,
        6 => x & y,
        7 => x | y,
        8 => x ^ y,
        9 => !(x ^ y),
        10 => !(x & y),
        11 => !(x | y),
        12 => !x & y,
        13 => x & !y,
        14 => !x | y,
        _ => x | !y,
    };
    Ok(Value::integer(r))
}
