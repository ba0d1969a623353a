//! Readtables (CLHS 2.1.1, 23.1): the syntax type of every character, the
//! reader macro functions, dispatch tables and the readtable case.
//!
//! The standard macro characters keep their Rust implementations
//! ([`Macro::Std`]), so ordinary reading stays a table lookup and a match;
//! a macro set from Lisp ([`Macro::Lisp`]) is called back through the
//! reader's [`super::ReadContext`].

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use crate::eval::value::{HostObject, HostRef};
use crate::eval::Value;

/// `readtable-case` (CLHS 23.1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadCase {
    Upcase,
    Downcase,
    Preserve,
    Invert,
}

impl ReadCase {
    pub fn keyword(self) -> &'static str {
        match self {
            ReadCase::Upcase => "UPCASE",
            ReadCase::Downcase => "DOWNCASE",
            ReadCase::Preserve => "PRESERVE",
            ReadCase::Invert => "INVERT",
        }
    }

    pub fn from_keyword(name: &str) -> Option<ReadCase> {
        Some(match name {
            "UPCASE" => ReadCase::Upcase,
            "DOWNCASE" => ReadCase::Downcase,
            "PRESERVE" => ReadCase::Preserve,
            "INVERT" => ReadCase::Invert,
            _ => return None,
        })
    }
}

/// The syntax type of a character (CLHS 2.1.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Whitespace,
    Constituent,
    SingleEscape,
    MultipleEscape,
    TermMacro,
    NonTermMacro,
}

impl Kind {
    /// Does this character end a token (CLHS 2.2 step 8)?
    pub fn terminates(self) -> bool {
        matches!(self, Kind::Whitespace | Kind::TermMacro)
    }
}

/// A reader macro function.
#[derive(Clone)]
pub enum Macro {
    /// The standard macro of this character (`(`, `'`, `;`, ...).
    Std(char),
    /// A function of (stream char) set from Lisp.
    Lisp(Value),
    /// A dispatching macro character: its table says what each
    /// sub-character does (CLHS 2.1.4.4).
    Dispatch,
}

/// A dispatch table entry (CLHS `set-dispatch-macro-character`).
#[derive(Clone)]
pub enum DispatchFn {
    /// The standard `#` sub-character of this name.
    Std(char),
    /// A function of (stream sub-char arg).
    Lisp(Value),
}

#[derive(Clone)]
struct Table {
    ascii: [Kind; 128],
    /// Non-ASCII characters whose syntax is not constituent.
    other: HashMap<char, Kind>,
    macros: HashMap<char, Macro>,
    /// Keyed by dispatch character, then by upper-cased sub-character.
    dispatch: HashMap<char, HashMap<char, DispatchFn>>,
}

/// A readtable object (`Value::Object`).
pub struct Readtable {
    case: Cell<ReadCase>,
    table: RefCell<Table>,
}

/// The standard `#` sub-characters (CLHS Figure 2-19) with a meaning.
const STD_SHARP: &str = "\\'(|+-.PXBOR:*CAS=#<)";

impl Readtable {
    /// The standard readtable (CLHS 2.1.1.2).
    pub fn standard() -> Readtable {
        let mut ascii = [Kind::Constituent; 128];
        for c in [' ', '\t', '\n', '\r', '\x0c'] {
            ascii[c as usize] = Kind::Whitespace;
        }
        ascii['\\' as usize] = Kind::SingleEscape;
        ascii['|' as usize] = Kind::MultipleEscape;
        let mut macros = HashMap::new();
        for c in ['(', ')', '\'', ';', '"', '`', ','] {
            ascii[c as usize] = Kind::TermMacro;
            macros.insert(c, Macro::Std(c));
        }
        ascii['#' as usize] = Kind::NonTermMacro;
        macros.insert('#', Macro::Dispatch);
        let sharp = STD_SHARP.chars().map(|c| (c, DispatchFn::Std(c))).collect();
        let mut dispatch = HashMap::new();
        dispatch.insert('#', sharp);
        Readtable {
            case: Cell::new(ReadCase::Upcase),
            table: RefCell::new(Table {
                ascii,
                other: HashMap::new(),
                macros,
                dispatch,
            }),
        }
    }

    /// A copy of this table (`copy-readtable`).
    pub fn copy(&self) -> Readtable {
        Readtable {
            case: Cell::new(self.case.get()),
            table: RefCell::new(self.table.borrow().clone()),
        }
    }

    /// Make `self` a copy of `from` (`copy-readtable` with a destination).
    pub fn copy_into(&self, from: &Readtable) {
        if std::ptr::eq(self, from) {
            return;
        }
        self.case.set(from.case.get());
        *self.table.borrow_mut() = from.table.borrow().clone();
    }

    pub fn case(&self) -> ReadCase {
        self.case.get()
    }

    pub fn set_case(&self, case: ReadCase) {
        self.case.set(case);
    }

    pub fn kind(&self, c: char) -> Kind {
        let t = self.table.borrow();
        match t.ascii.get(c as usize) {
            Some(k) => *k,
            None => t.other.get(&c).copied().unwrap_or(Kind::Constituent),
        }
    }

    pub fn macro_of(&self, c: char) -> Option<Macro> {
        match self.kind(c) {
            Kind::TermMacro | Kind::NonTermMacro => self.table.borrow().macros.get(&c).cloned(),
            _ => None,
        }
    }

    fn set_kind(t: &mut Table, c: char, k: Kind) {
        match t.ascii.get_mut(c as usize) {
            Some(slot) => *slot = k,
            None if k == Kind::Constituent => {
                t.other.remove(&c);
            }
            None => {
                t.other.insert(c, k);
            }
        }
    }

    /// `set-macro-character`.
    pub fn set_macro(&self, c: char, m: Macro, non_terminating: bool) {
        let mut t = self.table.borrow_mut();
        let kind = if non_terminating {
            Kind::NonTermMacro
        } else {
            Kind::TermMacro
        };
        Self::set_kind(&mut t, c, kind);
        t.dispatch.remove(&c);
        t.macros.insert(c, m);
    }

    /// `make-dispatch-macro-character`: an empty dispatch table.
    pub fn make_dispatch(&self, c: char, non_terminating: bool) {
        self.set_macro(c, Macro::Dispatch, non_terminating);
        self.table.borrow_mut().dispatch.insert(c, HashMap::new());
    }

    pub fn is_dispatch(&self, c: char) -> bool {
        matches!(self.macro_of(c), Some(Macro::Dispatch))
            && self.table.borrow().dispatch.contains_key(&c)
    }

    pub fn dispatch_fn(&self, c: char, sub: char) -> Option<DispatchFn> {
        let t = self.table.borrow();
        t.dispatch
            .get(&c)?
            .get(&crate::reader::upcase(sub))
            .cloned()
    }

    /// `set-dispatch-macro-character`; `None` removes the entry. False when
    /// `c` is not a dispatching macro character.
    pub fn set_dispatch_fn(&self, c: char, sub: char, f: Option<DispatchFn>) -> bool {
        let mut t = self.table.borrow_mut();
        let Some(d) = t.dispatch.get_mut(&c) else {
            return false;
        };
        let sub = crate::reader::upcase(sub);
        match f {
            Some(f) => d.insert(sub, f),
            None => d.remove(&sub),
        };
        true
    }

    /// `set-syntax-from-char` (CLHS 23.2): `to` gets the syntax type and
    /// macro (with a copy of any dispatch table) of `from` in `source`.
    pub fn set_syntax_from(&self, to: char, from: char, source: &Readtable) {
        let (kind, m, d) = {
            let s = source.table.borrow();
            let kind = match s.ascii.get(from as usize) {
                Some(k) => *k,
                None => s.other.get(&from).copied().unwrap_or(Kind::Constituent),
            };
            (
                kind,
                s.macros.get(&from).cloned(),
                s.dispatch.get(&from).cloned(),
            )
        };
        let mut t = self.table.borrow_mut();
        Self::set_kind(&mut t, to, kind);
        match (kind, m) {
            (Kind::TermMacro | Kind::NonTermMacro, Some(m)) => {
                t.macros.insert(to, m);
            }
            _ => {
                t.macros.remove(&to);
            }
        }
        match d {
            Some(d) => t.dispatch.insert(to, d),
            None => t.dispatch.remove(&to),
        };
    }

    pub fn ascii_kinds(&self) -> [Kind; 128] {
        self.table.borrow().ascii
    }

    /// Is this table, in every character below 128 and its case, the
    /// standard syntax? (Lets callers keep their fast paths.)
    pub fn is_standard_syntax(&self) -> bool {
        let std = standard_ascii();
        self.table.borrow().ascii == std
    }
}

fn standard_ascii() -> [Kind; 128] {
    thread_local! {
        static STD: [Kind; 128] = Readtable::standard().table.borrow().ascii;
    }
    STD.with(|s| *s)
}

/// The Lisp object: a shared [`Readtable`].
pub struct ReadtableObj(pub Rc<Readtable>);

impl HostObject for ReadtableObj {
    fn type_name(&self) -> &str {
        "READTABLE"
    }
    fn describe(&self) -> String {
        format!("{{{:X}}}", Rc::as_ptr(&self.0) as usize)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// A readtable as a Lisp value.
pub fn readtable_value(rt: Readtable) -> Value {
    let obj: HostRef = Rc::new(Box::new(ReadtableObj(Rc::new(rt))));
    Value::Object(obj)
}

/// The readtable inside `v`, if it is one.
pub fn as_readtable(v: &Value) -> Option<Rc<Readtable>> {
    match v {
        Value::Object(o) => o
            .as_any()
            .downcast_ref::<ReadtableObj>()
            .map(|r| r.0.clone()),
        _ => None,
    }
}

thread_local! {
    /// The standard readtable itself, which must never be modified
    /// (CLHS 2.1.1.2); what `*readtable*` holds when nothing bound it.
    static STANDARD: Value = readtable_value(Readtable::standard());
}

/// The standard readtable object.
pub fn standard_readtable() -> Value {
    STANDARD.with(Value::clone)
}

/// Is `v` the standard readtable object?
pub fn is_standard_object(v: &Value) -> bool {
    STANDARD.with(|s| match (s, v) {
        (Value::Object(a), Value::Object(b)) => Rc::ptr_eq(a, b),
        _ => false,
    })
}

/// The value of `*readtable*` when it holds a readtable; otherwise the
/// standard one.
pub fn current_readtable() -> Rc<Readtable> {
    let cell = crate::eval::package::cl_sym("*READTABLE*")
        .value
        .borrow()
        .clone();
    cell.as_ref().and_then(as_readtable).unwrap_or_else(|| {
        STANDARD.with(|s| as_readtable(s).unwrap_or_else(|| Rc::new(Readtable::standard())))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_is_independent_of_its_original() {
        let a = Readtable::standard();
        let b = a.copy();
        b.set_macro('!', Macro::Std('('), false);
        b.set_case(ReadCase::Invert);
        assert_eq!(a.kind('!'), Kind::Constituent);
        assert_eq!(b.kind('!'), Kind::TermMacro);
        assert_eq!(a.case(), ReadCase::Upcase);
        a.copy_into(&b);
        assert_eq!(a.kind('!'), Kind::TermMacro);
        assert_eq!(a.case(), ReadCase::Invert);
    }

    #[test]
    fn syntax_from_char_copies_the_dispatch_table() {
        let std = Readtable::standard();
        let rt = Readtable::standard();
        rt.set_syntax_from('!', '#', &std);
        assert!(rt.is_dispatch('!'));
        assert!(matches!(
            rt.dispatch_fn('!', 'x'),
            Some(DispatchFn::Std('X'))
        ));
        rt.set_syntax_from('!', 'a', &std);
        assert!(!rt.is_dispatch('!'));
        assert!(rt.macro_of('!').is_none());
        // Non-ASCII characters are constituents until given a syntax.
        rt.set_syntax_from('λ', ' ', &std);
        assert_eq!(rt.kind('λ'), Kind::Whitespace);
        assert!(!rt.is_standard_syntax() || rt.kind('λ') != Kind::Constituent);
    }

    #[test]
    fn the_standard_table_has_the_standard_syntax() {
        let rt = Readtable::standard();
        assert!(rt.is_standard_syntax());
        assert_eq!(rt.kind(' '), Kind::Whitespace);
        assert_eq!(rt.kind('#'), Kind::NonTermMacro);
        assert_eq!(rt.kind('\\'), Kind::SingleEscape);
        rt.make_dispatch('$', true);
        assert!(!rt.is_standard_syntax());
        assert!(rt.dispatch_fn('$', 'a').is_none());
        assert!(rt.set_dispatch_fn('$', 'a', Some(DispatchFn::Std('P'))));
        assert!(matches!(
            rt.dispatch_fn('$', 'A'),
            Some(DispatchFn::Std('P'))
        ));
        assert!(!rt.set_dispatch_fn('a', 'b', None));
    }
}
