//! Bit arrays (CLHS 15.1.2.2): `bit`, `sbit`, the predicates and the
//! bitwise operations `bit-and` … `bit-not`.

use std::rc::Rc;

use super::arrays::is_simple;
use super::shape::{dims_of, elem_of, is_array, rm_get, rm_set, total_size};
use crate::builtins::{args, BuiltinDef};
use crate::def;
use crate::eval::array::{Array, Elem};
use crate::eval::value::Value;
use crate::eval::{Interp, LResult};

#[rustfmt::skip]
pub const BUILTINS: &[BuiltinDef] = &[
    def!("BIT", "(bit-array &rest subscripts)", 1, crate::builtins::MANY, bit, "Element of BIT-ARRAY at the subscripts."),
    def!("SBIT", "(simple-bit-array &rest subscripts)", 1, crate::builtins::MANY, sbit, "Element of SIMPLE-BIT-ARRAY at the subscripts."),
    def!("BIT-VECTOR-P", "(object)", 1, 1, bit_vector_p, "True if OBJECT is a bit vector."),
    def!("SIMPLE-BIT-VECTOR-P", "(object)", 1, 1, simple_bit_vector_p, "True if OBJECT is a simple bit vector."),
    def!("BIT-AND", "(bit-array1 bit-array2 &optional opt-arg)", 2, 3, bit_and, "Bitwise AND of two bit arrays."),
    def!("BIT-IOR", "(bit-array1 bit-array2 &optional opt-arg)", 2, 3, bit_ior, "Bitwise inclusive OR of two bit arrays."),
    def!("BIT-XOR", "(bit-array1 bit-array2 &optional opt-arg)", 2, 3, bit_xor, "Bitwise exclusive OR of two bit arrays."),
    def!("BIT-EQV", "(bit-array1 bit-array2 &optional opt-arg)", 2, 3, bit_eqv, "Bitwise equivalence of two bit arrays."),
    def!("BIT-NAND", "(bit-array1 bit-array2 &optional opt-arg)", 2, 3, bit_nand, "Bitwise NAND of two bit arrays."),
    def!("BIT-NOR", "(bit-array1 bit-array2 &optional opt-arg)", 2, 3, bit_nor, "Bitwise NOR of two bit arrays."),
    def!("BIT-ANDC1", "(bit-array1 bit-array2 &optional opt-arg)", 2, 3, bit_andc1, "AND of the complement of BIT-ARRAY1 with BIT-ARRAY2."),
    def!("BIT-ANDC2", "(bit-array1 bit-array2 &optional opt-arg)", 2, 3, bit_andc2, "AND of BIT-ARRAY1 with the complement of BIT-ARRAY2."),
    def!("BIT-ORC1", "(bit-array1 bit-array2 &optional opt-arg)", 2, 3, bit_orc1, "OR of the complement of BIT-ARRAY1 with BIT-ARRAY2."),
    def!("BIT-ORC2", "(bit-array1 bit-array2 &optional opt-arg)", 2, 3, bit_orc2, "OR of BIT-ARRAY1 with the complement of BIT-ARRAY2."),
    def!("BIT-NOT", "(bit-array &optional opt-arg)", 1, 2, bit_not, "Bitwise complement of a bit array."),
];

fn is_bit_array(v: &Value) -> bool {
    is_array(v) && elem_of(v) == Elem::Bit
}

fn need_bits(it: &mut Interp, v: &Value, simple: bool) -> LResult<()> {
    if is_bit_array(v) && (!simple || is_simple(v)) {
        return Ok(());
    }
    let ty = if simple {
        "(SIMPLE-ARRAY BIT)"
    } else {
        "(ARRAY BIT)"
    };
    args::type_err(it, v, ty)
}

fn bit(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    need_bits(it, &a[0], false)?;
    it.call_named(&crate::eval::package::cl_sym("AREF"), a)
}

fn sbit(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    need_bits(it, &a[0], true)?;
    it.call_named(&crate::eval::package::cl_sym("AREF"), a)
}

fn bit_vector_p(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(
        matches!(&a[0], Value::Array(x) if x.is_bit_vector()),
    ))
}

fn simple_bit_vector_p(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(
        matches!(&a[0], Value::Array(x) if x.is_bit_vector() && x.is_simple()),
    ))
}

/// The bits of a bit array, row-major.
fn bits(v: &Value) -> Vec<bool> {
    (0..total_size(v))
        .map(|i| matches!(rm_get(v, i), Some(Value::Fixnum(1))))
        .collect()
}

/// Apply `op` bitwise and store the result as `opt` asks (CLHS BIT-AND):
/// NIL a fresh array, T into the first argument, else into that array.
fn combine(
    it: &mut Interp,
    first: &Value,
    second: Option<&Value>,
    opt: Option<&Value>,
    op: fn(bool, bool) -> bool,
) -> LResult<Value> {
    need_bits(it, first, false)?;
    let dims = dims_of(first);
    let ys = match second {
        Some(s) => {
            need_bits(it, s, false)?;
            if dims_of(s) != dims {
                return dims_error(it, first, s);
            }
            bits(s)
        }
        None => Vec::new(),
    };
    let xs = bits(first);
    let out: Vec<Value> = xs
        .iter()
        .enumerate()
        .map(|(i, x)| Value::Fixnum(op(*x, ys.get(i).copied().unwrap_or(false)) as i64))
        .collect();
    let target = match opt {
        None | Some(Value::Nil) => {
            return Ok(Value::Array(Rc::new(Array::simple(Elem::Bit, dims, out))));
        }
        Some(Value::Symbol(s)) if s.name == "T" => first.clone(),
        Some(t) => {
            need_bits(it, t, false)?;
            if dims_of(t) != dims {
                return dims_error(it, first, t);
            }
            t.clone()
        }
    };
    for (i, x) in out.into_iter().enumerate() {
        rm_set(it, &target, i, x)?;
    }
    Ok(target)
}

fn dims_error<T>(it: &mut Interp, a: &Value, b: &Value) -> LResult<T> {
    let msg = format!(
        "{} and {} do not have the same dimensions.",
        crate::printer::prin1_to_string(a),
        crate::printer::prin1_to_string(b)
    );
    it.simple_error(msg)
}

macro_rules! bit_op {
    ($name:ident, $op:expr) => {
        fn $name(it: &mut Interp, a: &[Value]) -> LResult<Value> {
            combine(it, &a[0], Some(&a[1]), a.get(2), $op)
        }
    };
}

bit_op!(bit_and, |x, y| x & y);
bit_op!(bit_ior, |x, y| x | y);
bit_op!(bit_xor, |x, y| x ^ y);
bit_op!(bit_eqv, |x, y| x == y);
bit_op!(bit_nand, |x, y| !(x & y));
bit_op!(bit_nor, |x, y| !(x | y));
bit_op!(bit_andc1, |x, y| !x & y);
bit_op!(bit_andc2, |x, y| x & !y);
bit_op!(bit_orc1, |x, y| !x | y);
bit_op!(bit_orc2, |x, y| x | !y);

fn bit_not(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    combine(it, &a[0], None, a.get(1), |x, _| !x)
}
