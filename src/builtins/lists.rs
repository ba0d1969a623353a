//! Builtins: conses and lists (CLHS 14). Result orders of the set
//! functions follow SBCL's algorithms, so scripts print the same lists.

use std::rc::Rc;

use super::sequences::util::{self, list_items, opts, Matcher};
use super::sequences::{cells, relink};

mod sets;
mod trees;

use super::{args, BuiltinDef, MANY};
use crate::def;
use crate::eval::value::Value;
use crate::eval::{Interp, LResult};
use sets::{adjoin, intersection, set_difference, set_exclusive_or, subsetp, union};
use trees::{copy_tree, sublis, subst, subst_if, subst_if_not, tree_equal};

const TEST_KEYS: &[&str] = &["KEY", "TEST", "TEST-NOT"];
const KEY_ONLY: &[&str] = &["KEY"];

#[rustfmt::skip]
pub const BUILTINS: &[BuiltinDef] = &[
    def!("CAR", "(list)", 1, 1, car, "The first element of LIST."),
    def!("CDR", "(list)", 1, 1, cdr, "LIST without its first element."),
    def!("CAAR", "(list)", 1, 1, caar, "(car (car list))"),
    def!("CADR", "(list)", 1, 1, cadr, "(car (cdr list))"),
    def!("CDAR", "(list)", 1, 1, cdar, "(cdr (car list))"),
    def!("CDDR", "(list)", 1, 1, cddr, "(cdr (cdr list))"),
    def!("CAAAR", "(list)", 1, 1, caaar, "(car (car (car list)))"),
    def!("CAADR", "(list)", 1, 1, caadr, "(car (car (cdr list)))"),
    def!("CADAR", "(list)", 1, 1, cadar, "(car (cdr (car list)))"),
    def!("CADDR", "(list)", 1, 1, caddr, "(car (cdr (cdr list)))"),
    def!("CDAAR", "(list)", 1, 1, cdaar, "(cdr (car (car list)))"),
    def!("CDADR", "(list)", 1, 1, cdadr, "(cdr (car (cdr list)))"),
    def!("CDDAR", "(list)", 1, 1, cddar, "(cdr (cdr (car list)))"),
    def!("CDDDR", "(list)", 1, 1, cdddr, "(cdr (cdr (cdr list)))"),
    def!("CAAAAR", "(list)", 1, 1, caaaar, "(car (car (car (car list))))"),
    def!("CAAADR", "(list)", 1, 1, caaadr, "(car (car (car (cdr list))))"),
    def!("CAADAR", "(list)", 1, 1, caadar, "(car (car (cdr (car list))))"),
    def!("CAADDR", "(list)", 1, 1, caaddr, "(car (car (cdr (cdr list))))"),
    def!("CADAAR", "(list)", 1, 1, cadaar, "(car (cdr (car (car list))))"),
    def!("CADADR", "(list)", 1, 1, cadadr, "(car (cdr (car (cdr list))))"),
    def!("CADDAR", "(list)", 1, 1, caddar, "(car (cdr (cdr (car list))))"),
    def!("CADDDR", "(list)", 1, 1, cadddr, "(car (cdr (cdr (cdr list))))"),
    def!("CDAAAR", "(list)", 1, 1, cdaaar, "(cdr (car (car (car list))))"),
    def!("CDAADR", "(list)", 1, 1, cdaadr, "(cdr (car (car (cdr list))))"),
    def!("CDADAR", "(list)", 1, 1, cdadar, "(cdr (car (cdr (car list))))"),
    def!("CDADDR", "(list)", 1, 1, cdaddr, "(cdr (car (cdr (cdr list))))"),
    def!("CDDAAR", "(list)", 1, 1, cddaar, "(cdr (cdr (car (car list))))"),
    def!("CDDADR", "(list)", 1, 1, cddadr, "(cdr (cdr (car (cdr list))))"),
    def!("CDDDAR", "(list)", 1, 1, cdddar, "(cdr (cdr (cdr (car list))))"),
    def!("CDDDDR", "(list)", 1, 1, cddddr, "(cdr (cdr (cdr (cdr list))))"),
    def!("FIRST", "(list)", 1, 1, car, "The first element of LIST."),
    def!("SECOND", "(list)", 1, 1, cadr, "The second element of LIST."),
    def!("THIRD", "(list)", 1, 1, caddr, "The third element of LIST."),
    def!("FOURTH", "(list)", 1, 1, fourth, "The fourth element of LIST."),
    def!("FIFTH", "(list)", 1, 1, fifth, "The fifth element of LIST."),
    def!("SIXTH", "(list)", 1, 1, sixth, "The sixth element of LIST."),
    def!("SEVENTH", "(list)", 1, 1, seventh, "The seventh element of LIST."),
    def!("EIGHTH", "(list)", 1, 1, eighth, "The eighth element of LIST."),
    def!("NINTH", "(list)", 1, 1, ninth, "The ninth element of LIST."),
    def!("TENTH", "(list)", 1, 1, tenth, "The tenth element of LIST."),
    def!("REST", "(list)", 1, 1, cdr, "LIST without its first element."),
    def!("CONS", "(car cdr)", 2, 2, cons, "A new cons of CAR and CDR."),
    def!("LIST", "(&rest objects)", 0, MANY, list, "A new list of OBJECTS."),
    def!("LIST*", "(object &rest objects)", 1, MANY, list_star, "A list of the arguments whose last argument is the tail."),
    def!("MAKE-LIST", "(size &key initial-element)", 1, MANY, make_list, "A list of SIZE elements."),
    def!("APPEND", "(&rest lists)", 0, MANY, append, "Concatenate LISTS, copying all but the last."),
    def!("NCONC", "(&rest lists)", 0, MANY, nconc, "Concatenate LISTS destructively."),
    def!("REVAPPEND", "(list tail)", 2, 2, revappend, "(append (reverse list) tail)"),
    def!("NRECONC", "(list tail)", 2, 2, nreconc, "(nconc (nreverse list) tail)"),
    def!("NTH", "(n list)", 2, 2, nth, "Element N of LIST, or NIL."),
    def!("NTHCDR", "(n list)", 2, 2, nthcdr, "The tail of LIST after N cdrs."),
    def!("LAST", "(list &optional n)", 1, 2, last, "The last N conses of LIST."),
    def!("BUTLAST", "(list &optional n)", 1, 2, butlast, "A copy of LIST without its last N elements."),
    def!("NBUTLAST", "(list &optional n)", 1, 2, nbutlast, "LIST without its last N elements, destructively."),
    def!("LDIFF", "(list object)", 2, 2, ldiff, "A copy of LIST up to the tail OBJECT."),
    def!("TAILP", "(object list)", 2, 2, tailp, "True if OBJECT is a tail of LIST."),
    def!("LIST-LENGTH", "(list)", 1, 1, list_length, "The length of LIST, or NIL if it is circular."),
    def!("ENDP", "(list)", 1, 1, endp, "True at the end of a list; an error for a non-list."),
    def!("LISTP", "(object)", 1, 1, listp, "True if OBJECT is a cons or NIL."),
    def!("CONSP", "(object)", 1, 1, consp, "True if OBJECT is a cons."),
    def!("ATOM", "(object)", 1, 1, atom, "True if OBJECT is not a cons."),
    def!("RPLACA", "(cons object)", 2, 2, rplaca, "Set the car of CONS."),
    def!("RPLACD", "(cons object)", 2, 2, rplacd, "Set the cdr of CONS."),
    def!("COPY-LIST", "(list)", 1, 1, copy_list, "A copy of the top level of LIST."),
    def!("COPY-ALIST", "(alist)", 1, 1, copy_alist, "A copy of ALIST and its pairs."),
    def!("COPY-TREE", "(tree)", 1, 1, copy_tree, "A copy of all conses of TREE."),
    def!("TREE-EQUAL", "(tree1 tree2 &key test test-not)", 2, MANY, tree_equal, "True if the trees have the same shape and matching leaves."),
    def!("MEMBER", "(item list &key key test test-not)", 2, MANY, member, "The tail of LIST starting with ITEM, or NIL."),
    def!("MEMBER-IF", "(predicate list &key key)", 2, MANY, member_if, "The tail of LIST starting with an element satisfying PREDICATE."),
    def!("MEMBER-IF-NOT", "(predicate list &key key)", 2, MANY, member_if_not, "The tail of LIST starting with an element not satisfying PREDICATE."),
    def!("ASSOC", "(item alist &key key test test-not)", 2, MANY, assoc, "The first pair of ALIST whose car matches ITEM."),
    def!("ASSOC-IF", "(predicate alist &key key)", 2, MANY, assoc_if, "The first pair whose car satisfies PREDICATE."),
    def!("ASSOC-IF-NOT", "(predicate alist &key key)", 2, MANY, assoc_if_not, "The first pair whose car does not satisfy PREDICATE."),
    def!("RASSOC", "(item alist &key key test test-not)", 2, MANY, rassoc, "The first pair of ALIST whose cdr matches ITEM."),
    def!("RASSOC-IF", "(predicate alist &key key)", 2, MANY, rassoc_if, "The first pair whose cdr satisfies PREDICATE."),
    def!("RASSOC-IF-NOT", "(predicate alist &key key)", 2, MANY, rassoc_if_not, "The first pair whose cdr does not satisfy PREDICATE."),
    def!("ACONS", "(key datum alist)", 3, 3, acons, "ALIST with (KEY . DATUM) in front."),
    def!("PAIRLIS", "(keys data &optional alist)", 2, 3, pairlis, "An alist pairing KEYS with DATA, in front of ALIST."),
    def!("GETF", "(plist indicator &optional default)", 2, 3, getf, "The value of INDICATOR in the property list PLIST."),
    def!("GET-PROPERTIES", "(plist indicator-list)", 2, 2, get_properties, "The first property of PLIST in INDICATOR-LIST: indicator, value, tail."),
    def!("MAPCAR", "(function list &rest lists)", 2, MANY, mapcar, "A list of FUNCTION's results on successive elements."),
    def!("MAPC", "(function list &rest lists)", 2, MANY, mapc, "Call FUNCTION on successive elements; return the first list."),
    def!("MAPCAN", "(function list &rest lists)", 2, MANY, mapcan, "NCONC of FUNCTION's results on successive elements."),
    def!("MAPLIST", "(function list &rest lists)", 2, MANY, maplist, "A list of FUNCTION's results on successive tails."),
    def!("MAPL", "(function list &rest lists)", 2, MANY, mapl, "Call FUNCTION on successive tails; return the first list."),
    def!("MAPCON", "(function list &rest lists)", 2, MANY, mapcon, "NCONC of FUNCTION's results on successive tails."),
    def!("SUBST", "(new old tree &key key test test-not)", 3, MANY, subst, "A copy of TREE with NEW in place of subtrees matching OLD."),
    def!("SUBST-IF", "(new predicate tree &key key)", 3, MANY, subst_if, "A copy of TREE with NEW in place of subtrees satisfying PREDICATE."),
    def!("SUBST-IF-NOT", "(new predicate tree &key key)", 3, MANY, subst_if_not, "A copy of TREE with NEW in place of subtrees not satisfying PREDICATE."),
    def!("NSUBST-IF", "(new predicate tree &key key)", 3, MANY, subst_if, "Like SUBST-IF (sendletter copies)."),
    def!("NSUBST-IF-NOT", "(new predicate tree &key key)", 3, MANY, subst_if_not, "Like SUBST-IF-NOT (sendletter copies)."),
    def!("NSUBST", "(new old tree &key key test test-not)", 3, MANY, subst, "Like SUBST (sendletter copies)."),
    def!("SUBLIS", "(alist tree &key key test test-not)", 2, MANY, sublis, "A copy of TREE with subtrees replaced as ALIST says."),
    def!("NSUBLIS", "(alist tree &key key test test-not)", 2, MANY, sublis, "Like SUBLIS (sendletter copies)."),
    def!("ADJOIN", "(item list &key key test test-not)", 2, MANY, adjoin, "LIST with ITEM in front unless it is already a member."),
    def!("INTERSECTION", "(list1 list2 &key key test test-not)", 2, MANY, intersection, "The elements of LIST1 that are in LIST2."),
    def!("NINTERSECTION", "(list1 list2 &key key test test-not)", 2, MANY, intersection, "Like INTERSECTION."),
    def!("UNION", "(list1 list2 &key key test test-not)", 2, MANY, union, "The elements in either list."),
    def!("NUNION", "(list1 list2 &key key test test-not)", 2, MANY, union, "Like UNION."),
    def!("SET-DIFFERENCE", "(list1 list2 &key key test test-not)", 2, MANY, set_difference, "The elements of LIST1 not in LIST2."),
    def!("NSET-DIFFERENCE", "(list1 list2 &key key test test-not)", 2, MANY, set_difference, "Like SET-DIFFERENCE."),
    def!("SET-EXCLUSIVE-OR", "(list1 list2 &key key test test-not)", 2, MANY, set_exclusive_or, "The elements in exactly one of the lists."),
    def!("NSET-EXCLUSIVE-OR", "(list1 list2 &key key test test-not)", 2, MANY, set_exclusive_or, "Like SET-EXCLUSIVE-OR."),
    def!("SUBSETP", "(list1 list2 &key key test test-not)", 2, MANY, subsetp, "True if every element of LIST1 is in LIST2."),
];

fn not_list<T>(it: &mut Interp, v: &Value) -> LResult<T> {
    args::type_err(it, v, "LIST")
}

/// Follow a c[ad]+r path (applied right to left), signalling a
/// `type-error` at the first non-list.
fn cxr(it: &mut Interp, v: &Value, path: &str) -> LResult<Value> {
    let mut cur = v.clone();
    for op in path.chars().rev() {
        cur = match &cur {
            Value::Nil => return Ok(Value::Nil),
            Value::Cons(c) => {
                if op == 'A' {
                    c.car.borrow().clone()
                } else {
                    c.cdr.borrow().clone()
                }
            }
            other => {
                let o = other.clone();
                return not_list(it, &o);
            }
        };
    }
    Ok(cur)
}

macro_rules! cxr_fn {
    ($($fn:ident = $path:literal),* $(,)?) => {
        $(fn $fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
            cxr(it, &a[0], $path)
        })*
    };
}

cxr_fn!(
    car = "A",
    cdr = "D",
    caar = "AA",
    cadr = "AD",
    cdar = "DA",
    cddr = "DD",
    caaar = "AAA",
    caadr = "AAD",
    cadar = "ADA",
    caddr = "ADD",
    cdaar = "DAA",
    cdadr = "DAD",
    cddar = "DDA",
    cdddr = "DDD",
    caaaar = "AAAA",
    caaadr = "AAAD",
    caadar = "AADA",
    caaddr = "AADD",
    cadaar = "ADAA",
    cadadr = "ADAD",
    caddar = "ADDA",
    cadddr = "ADDD",
    cdaaar = "DAAA",
    cdaadr = "DAAD",
    cdadar = "DADA",
    cdaddr = "DADD",
    cddaar = "DDAA",
    cddadr = "DDAD",
    cdddar = "DDDA",
    cddddr = "DDDD",
    fourth = "ADDD",
    fifth = "ADDDD",
    sixth = "ADDDDD",
    seventh = "ADDDDDD",
    eighth = "ADDDDDDD",
    ninth = "ADDDDDDDD",
    tenth = "ADDDDDDDDD",
);

fn cons(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::cons(a[0].clone(), a[1].clone()))
}

fn list(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::list(a.iter().cloned()))
}

fn list_star(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (last, init) = match a.split_last() {
        Some(x) => x,
        None => return Ok(Value::Nil),
    };
    Ok(Value::list_with_tail(init.iter().cloned(), last.clone()))
}

/// What one cons takes on the heap (the cell and its reference counts),
/// for checking ahead that a long list can be built.
pub const CONS_BYTES: usize = std::mem::size_of::<crate::eval::value::Cons>() + 16;

fn make_list(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let n = args::dimension(it, &a[0])?;
    let o = opts(it, &a[1..], &["INITIAL-ELEMENT"], "MAKE-LIST")?;
    let init = o.initial_element.unwrap_or(Value::Nil);
    // Conses are allocated one by one, infallibly: check the whole first.
    args::probe(it, n, CONS_BYTES, "MAKE-LIST")?;
    let mut list = Value::Nil;
    for _ in 0..n {
        list = Value::cons(init.clone(), list);
    }
    Ok(list)
}

fn append(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let Some((last, init)) = a.split_last() else {
        return Ok(Value::Nil);
    };
    let mut all = Vec::new();
    for l in init {
        all.extend(list_items(it, l)?);
    }
    Ok(Value::list_with_tail(all, last.clone()))
}

fn nconc(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let mut result = Value::Nil;
    let mut last_cell: Option<Rc<crate::eval::value::Cons>> = None;
    for (i, l) in a.iter().enumerate() {
        let is_last = i + 1 == a.len();
        match l {
            Value::Nil => {}
            Value::Cons(first) if !is_last => {
                // The last cons, whatever atom ends the list: NCONC
                // replaces that atom (CLHS NCONC, dotted lists).
                let mut end = first.clone();
                let mut cycle = util::CycleCheck::new();
                loop {
                    let next = end.cdr.borrow().clone();
                    match next {
                        Value::Cons(n) => {
                            if cycle.circular(&Value::Cons(n.clone())) {
                                return util::circular_error(it, l);
                            }
                            end = n;
                        }
                        _ => break,
                    }
                }
                if let Some(prev) = &last_cell {
                    *prev.cdr.borrow_mut() = l.clone();
                } else {
                    result = l.clone();
                }
                last_cell = Some(end);
            }
            _ if is_last => {
                if let Some(prev) = &last_cell {
                    *prev.cdr.borrow_mut() = l.clone();
                } else {
                    result = l.clone();
                }
            }
            other => return not_list(it, other),
        }
    }
    Ok(result)
}

fn revappend(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let mut acc = a[1].clone();
    for x in list_items(it, &a[0])? {
        acc = Value::cons(x, acc);
    }
    Ok(acc)
}

fn nreconc(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let mut cs = cells(it, &a[0])?;
    cs.reverse();
    Ok(relink(&cs, a[1].clone()))
}

fn nthcdr_of(it: &mut Interp, n: &Value, l: &Value) -> LResult<Value> {
    let n = args::index(it, n)?;
    let mut cur = l.clone();
    for _ in 0..n {
        cur = match &cur {
            Value::Nil => return Ok(Value::Nil),
            Value::Cons(c) => c.cdr.borrow().clone(),
            other => {
                let o = other.clone();
                return not_list(it, &o);
            }
        };
    }
    Ok(cur)
}

fn nth(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let tail = nthcdr_of(it, &a[0], &a[1])?;
    cxr(it, &tail, "A")
}

fn nthcdr(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    nthcdr_of(it, &a[0], &a[1])
}

/// The conses of a possibly dotted list (stops at the first atom).
fn spine_cells(it: &mut Interp, l: &Value) -> LResult<Vec<Value>> {
    let mut out = Vec::new();
    let mut cur = l.clone();
    let mut slow = l.clone();
    while let Value::Cons(c) = &cur {
        out.push(cur.clone());
        let next = c.cdr.borrow().clone();
        cur = next;
        if out.len() % 2 == 0 {
            slow = slow.cdr();
            if let (Value::Cons(x), Value::Cons(y)) = (&slow, &cur) {
                if Rc::ptr_eq(x, y) {
                    return util::circular_error(it, l);
                }
            }
        }
    }
    if !cur.is_nil() && out.is_empty() {
        return not_list(it, l);
    }
    Ok(out)
}

fn count_arg(it: &mut Interp, v: Option<&Value>) -> LResult<usize> {
    match v {
        None => Ok(1),
        Some(Value::Bignum(_)) => Ok(usize::MAX),
        Some(v) => args::index(it, v),
    }
}

fn last(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let n = count_arg(it, a.get(1))?;
    let cs = spine_cells(it, &a[0])?;
    if n == 0 {
        return Ok(cs.last().map_or_else(|| a[0].clone(), |c| c.cdr()));
    }
    Ok(if n >= cs.len() {
        a[0].clone()
    } else {
        cs[cs.len() - n].clone()
    })
}

fn butlast(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let n = count_arg(it, a.get(1))?;
    let cs = spine_cells(it, &a[0])?;
    let keep = cs.len().saturating_sub(n);
    Ok(Value::list(cs[..keep].iter().map(Value::car)))
}

fn nbutlast(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let n = count_arg(it, a.get(1))?;
    let cs = spine_cells(it, &a[0])?;
    let keep = cs.len().saturating_sub(n);
    if keep == 0 {
        return Ok(Value::Nil);
    }
    if let Value::Cons(c) = &cs[keep - 1] {
        *c.cdr.borrow_mut() = Value::Nil;
    }
    Ok(a[0].clone())
}

fn ldiff(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    if !a[0].is_list() {
        return not_list(it, &a[0]);
    }
    let mut out = Vec::new();
    let mut cur = a[0].clone();
    loop {
        if cur.eql(&a[1]) {
            return Ok(Value::list(out));
        }
        match &cur {
            Value::Cons(c) => {
                out.push(c.car.borrow().clone());
                let next = c.cdr.borrow().clone();
                cur = next;
            }
            Value::Nil => return Ok(Value::list(out)),
            _ => return Ok(Value::list_with_tail(out, cur)),
        }
        if out.len() > 1 << 26 {
            return util::circular_error(it, &a[0]);
        }
    }
}

fn tailp(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let mut cur = a[1].clone();
    let mut steps = 0usize;
    loop {
        if cur.eql(&a[0]) {
            return Ok(crate::eval::package::t());
        }
        match &cur {
            Value::Cons(c) => {
                let next = c.cdr.borrow().clone();
                cur = next;
            }
            _ => return Ok(Value::Nil),
        }
        steps += 1;
        if steps > 1 << 26 {
            return util::circular_error(it, &a[1]);
        }
    }
}

fn list_length(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    // Tortoise and hare (CLHS list-length's example).
    let mut n = 0i64;
    let mut fast = a[0].clone();
    let mut slow = a[0].clone();
    loop {
        match &fast {
            Value::Nil => return Ok(Value::Fixnum(n)),
            Value::Cons(_) => {}
            other => {
                let o = other.clone();
                return not_list(it, &o);
            }
        }
        let next = fast.cdr();
        match &next {
            Value::Nil => return Ok(Value::Fixnum(n + 1)),
            Value::Cons(_) => {}
            other => {
                let o = other.clone();
                return not_list(it, &o);
            }
        }
        fast = next.cdr();
        slow = slow.cdr();
        n += 2;
        if let (Value::Cons(x), Value::Cons(y)) = (&fast, &slow) {
            if Rc::ptr_eq(x, y) {
                return Ok(Value::Nil);
            }
        }
    }
}

fn endp(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    match &a[0] {
        Value::Nil => Ok(crate::eval::package::t()),
        Value::Cons(_) => Ok(Value::Nil),
        other => not_list(it, other),
    }
}

fn listp(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(a[0].is_list()))
}

fn consp(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(a[0].is_cons()))
}

fn atom(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(!a[0].is_cons()))
}

fn rplaca(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    match &a[0] {
        Value::Cons(c) => {
            *c.car.borrow_mut() = a[1].clone();
            Ok(a[0].clone())
        }
        other => args::type_err(it, other, "CONS"),
    }
}

fn rplacd(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    match &a[0] {
        Value::Cons(c) => {
            *c.cdr.borrow_mut() = a[1].clone();
            Ok(a[0].clone())
        }
        other => args::type_err(it, other, "CONS"),
    }
}

fn copy_list(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let cs = spine_cells(it, &a[0])?;
    let tail = cs.last().map_or(Value::Nil, Value::cdr);
    Ok(Value::list_with_tail(cs.iter().map(Value::car), tail))
}

fn copy_alist(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let xs = list_items(it, &a[0])?;
    Ok(Value::list(xs.into_iter().map(|p| match &p {
        Value::Cons(c) => Value::cons(c.car.borrow().clone(), c.cdr.borrow().clone()),
        _ => p,
    })))
}

/// The first tail of `list` whose car `m` matches.
fn member_generic(
    it: &mut Interp,
    m: Matcher,
    list: &Value,
    rest: &[Value],
    keys: &[&str],
    fname: &str,
) -> LResult<Value> {
    let o = opts(it, rest, keys, fname)?;
    let mut cur = list.clone();
    let mut cycle = util::CycleCheck::new();
    loop {
        match &cur {
            Value::Nil => return Ok(Value::Nil),
            Value::Cons(c) => {
                let x = c.car.borrow().clone();
                if m.matches(it, &o, &x)? {
                    return Ok(cur);
                }
                let next = c.cdr.borrow().clone();
                cur = next;
                if cycle.circular(&cur) {
                    return util::circular_error(it, list);
                }
            }
            other => {
                let o = other.clone();
                return not_list(it, &o);
            }
        }
    }
}

fn member(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    member_generic(
        it,
        Matcher::Item(a[0].clone()),
        &a[1],
        &a[2..],
        TEST_KEYS,
        "MEMBER",
    )
}

fn member_if(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    member_generic(
        it,
        Matcher::If(a[0].clone()),
        &a[1],
        &a[2..],
        KEY_ONLY,
        "MEMBER-IF",
    )
}

fn member_if_not(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    member_generic(
        it,
        Matcher::IfNot(a[0].clone()),
        &a[1],
        &a[2..],
        KEY_ONLY,
        "MEMBER-IF-NOT",
    )
}

/// The first pair of `alist` whose car (or cdr) `m` matches; NIL
/// elements are skipped (CLHS assoc).
fn assoc_generic(
    it: &mut Interp,
    m: Matcher,
    alist: &Value,
    rest: &[Value],
    keys: &[&str],
    use_cdr: bool,
    fname: &str,
) -> LResult<Value> {
    let o = opts(it, rest, keys, fname)?;
    for pair in list_items(it, alist)? {
        match &pair {
            Value::Nil => continue,
            Value::Cons(c) => {
                let x = if use_cdr {
                    c.cdr.borrow().clone()
                } else {
                    c.car.borrow().clone()
                };
                if m.matches(it, &o, &x)? {
                    return Ok(pair);
                }
            }
            other => return not_list(it, other),
        }
    }
    Ok(Value::Nil)
}

macro_rules! assoc_fn {
    ($fn:ident, $m:ident, $keys:expr, $cdr:expr, $name:literal) => {
        fn $fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
            assoc_generic(
                it,
                Matcher::$m(a[0].clone()),
                &a[1],
                &a[2..],
                $keys,
                $cdr,
                $name,
            )
        }
    };
}

assoc_fn!(assoc, Item, TEST_KEYS, false, "ASSOC");
assoc_fn!(assoc_if, If, KEY_ONLY, false, "ASSOC-IF");
assoc_fn!(assoc_if_not, IfNot, KEY_ONLY, false, "ASSOC-IF-NOT");
assoc_fn!(rassoc, Item, TEST_KEYS, true, "RASSOC");
assoc_fn!(rassoc_if, If, KEY_ONLY, true, "RASSOC-IF");
assoc_fn!(rassoc_if_not, IfNot, KEY_ONLY, true, "RASSOC-IF-NOT");

fn acons(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::cons(
        Value::cons(a[0].clone(), a[1].clone()),
        a[2].clone(),
    ))
}

fn pairlis(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let keys = list_items(it, &a[0])?;
    let data = list_items(it, &a[1])?;
    if keys.len() != data.len() {
        return it.simple_error("The lists of keys and data are of unequal length.");
    }
    let mut acc = a.get(2).cloned().unwrap_or(Value::Nil);
    for (k, d) in keys.into_iter().zip(data) {
        acc = Value::cons(Value::cons(k, d), acc);
    }
    Ok(acc)
}

/// Property list pairs; an odd tail is SBCL's "malformed property list".
/// The pairs of `plist` up to and including the first whose indicator
/// satisfies `stop` (so a circular plist still yields an indicator it
/// holds), or all of them.
fn plist_search(
    it: &mut Interp,
    plist: &Value,
    stop: impl Fn(&Value) -> bool,
) -> LResult<Vec<(Value, Value, Value)>> {
    let mut out = Vec::new();
    let mut cur = plist.clone();
    let mut cycle = util::CycleCheck::new();
    // The datum of the error: the atom that ends the list too early
    // (a type-error's datum is not of its expected type).
    let bad = loop {
        match &cur {
            Value::Nil => return Ok(out),
            Value::Cons(c) => {
                let ind = c.car.borrow().clone();
                let rest = c.cdr.borrow().clone();
                // Each cell is shown to the cycle check, one at a time.
                if cycle.circular(&rest) {
                    return util::circular_error(it, plist);
                }
                match &rest {
                    Value::Cons(r) => {
                        let found = stop(&ind);
                        out.push((ind, r.car.borrow().clone(), cur.clone()));
                        if found {
                            return Ok(out);
                        }
                        let next = r.cdr.borrow().clone();
                        cur = next;
                    }
                    Value::Nil => break Value::Nil,
                    other => break other.clone(),
                }
            }
            other => break other.clone(),
        }
        if cycle.circular(&cur) {
            return util::circular_error(it, plist);
        }
    };
    let msg = format!(
        "malformed property list: {}.",
        crate::printer::prin1_to_string(plist)
    );
    // An odd-length list ends in NIL where a value belongs: the datum is
    // then the whole list, expected to be a property list.
    if bad.is_nil() {
        return util::type_error_msg(it, plist, "LIST", &msg);
    }
    util::type_error_msg(it, &bad, "LIST", &msg)
}

fn getf(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    for (ind, val, _) in plist_search(it, &a[0], |ind| ind.eq(&a[1]))? {
        if ind.eq(&a[1]) {
            return Ok(val);
        }
    }
    Ok(a.get(2).cloned().unwrap_or(Value::Nil))
}

fn get_properties(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let wanted = list_items(it, &a[1])?;
    for (ind, val, tail) in plist_search(it, &a[0], |ind| wanted.iter().any(|w| w.eq(ind)))? {
        if wanted.iter().any(|w| w.eq(&ind)) {
            return Ok(it.values(vec![ind, val, tail]));
        }
    }
    Ok(it.values(vec![Value::Nil, Value::Nil, Value::Nil]))
}

/// Successive elements (or tails) of several lists, up to the shortest.
fn map_rows(it: &mut Interp, lists: &[Value], tails: bool) -> LResult<Vec<Vec<Value>>> {
    let mut curs: Vec<Value> = lists.to_vec();
    for l in lists {
        if !l.is_list() {
            return not_list(it, l);
        }
    }
    let mut rows = Vec::new();
    loop {
        if curs.iter().any(|c| !c.is_cons()) {
            // A list that ends in an atom other than NIL is not a list to
            // map over (CLHS 14.2 MAPCAR: LISTS are proper lists).
            if let Some(bad) = curs.iter().find(|c| !c.is_list()) {
                let bad = bad.clone();
                return not_list(it, &bad);
            }
            return Ok(rows);
        }
        let row = if tails {
            curs.clone()
        } else {
            curs.iter().map(Value::car).collect()
        };
        rows.push(row);
        for c in curs.iter_mut() {
            *c = c.cdr();
        }
        // Mapping ends with the shortest list: it never ends only if all
        // are circular (checked once, so short lists pay nothing).
        if rows.len() == 1 << 16 && lists.iter().all(Value::is_circular_list) {
            return util::circular_error(it, &lists[0]);
        }
    }
}

fn map_generic(it: &mut Interp, a: &[Value], tails: bool) -> LResult<Vec<Value>> {
    let rows = map_rows(it, &a[1..], tails)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(it.apply(&a[0], &row)?);
    }
    it.mv = None;
    Ok(out)
}

fn nconc_all(it: &mut Interp, parts: Vec<Value>) -> LResult<Value> {
    nconc(it, &parts)
}

fn mapcar(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::list(map_generic(it, a, false)?))
}

fn mapc(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    map_generic(it, a, false)?;
    Ok(a[1].clone())
}

fn mapcan(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let parts = map_generic(it, a, false)?;
    nconc_all(it, parts)
}

fn maplist(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::list(map_generic(it, a, true)?))
}

fn mapl(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    map_generic(it, a, true)?;
    Ok(a[1].clone())
}

fn mapcon(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let parts = map_generic(it, a, true)?;
    nconc_all(it, parts)
}
