//! Hostile Lisp for the runtime itself: huge sizes, circular and very deep
//! data, a virtual-memory limit. Each case runs the built binary under
//! `ulimit -v` (so an allocation the machine cannot make fails quickly
//! instead of filling memory) with a time limit, and must end in a Lisp
//! condition the script can catch, never a panic (exit 70/101), SIGSEGV,
//! SIGABRT or a hang.
//!
//! The cases are listed in `docs/reliability.md` ("Lisp runtime: crash
//! cases").

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Address space for most cases, in KiB: under a quarter of it the Lisp
/// stack falls back to 128 MiB, so runaway recursion ends in a fraction of
/// a second, and a 100,000,000,000-element request fails at once.
const SMALL_VM: u64 = 1_000_000;

/// Every case must end well within this.
const LIMIT: Duration = Duration::from_secs(20);

struct Run {
    /// The exit status, or `None` if a signal ended the process.
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Run `sendletter ARGS...` with `ulimit -v VM_KIB`, killing it after
/// [`LIMIT`].
fn run_with(vm_kib: u64, args: &[&str]) -> Run {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {vm_kib} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_sendletter"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sh");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("sendletter {args:?} still running after {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Run {
        code: status.code(),
        stdout: reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
    }
}

/// Evaluate `form` (under the small address space) and return what it
/// printed; the run must succeed.
fn eval(form: &str) -> String {
    let r = run_with(SMALL_VM, &["-e", &format!("(princ {form})")]);
    assert_eq!(
        r.code,
        Some(0),
        "{form}\nstdout: {}\nstderr: {}",
        r.stdout,
        r.stderr
    );
    r.stdout
}

/// `form` signals a condition of type `class` (a serious condition a
/// script can handle); the report is returned.
fn signals(class: &str, form: &str) -> String {
    let wrapped = format!(
        "(handler-case (progn {form} \"no condition\") \
           ({class} (c) (format nil \"caught ~a\" c)) \
           (serious-condition (c) (format nil \"other ~a: ~a\" (type-of c) c)))"
    );
    let out = eval(&wrapped);
    assert!(out.starts_with("caught "), "{form}: {out}");
    out
}

// ----- 1. sizes past the array dimension limit: no "capacity overflow" -----

#[test]
fn most_positive_fixnum_sized_arrays_are_catchable_errors() {
    for form in [
        "(make-array most-positive-fixnum)",
        "(make-array most-positive-fixnum :element-type 'bit)",
        "(make-array most-positive-fixnum :element-type '(unsigned-byte 8))",
        "(make-array (list most-positive-fixnum) :element-type 'character)",
        "(adjust-array (make-array 3 :adjustable t) most-positive-fixnum)",
        "(make-sequence 'vector most-positive-fixnum)",
        "(make-sequence 'list most-positive-fixnum)",
        "(make-list most-positive-fixnum)",
        "(make-string most-positive-fixnum)",
    ] {
        // As in SBCL: the size is not of type (MOD array-dimension-limit).
        let m = signals("type-error", form);
        assert!(m.contains("(MOD 4611686018427387901)"), "{form}: {m}");
    }
    assert_eq!(
        eval("(handler-case (make-array most-positive-fixnum) (serious-condition () :caught))"),
        "CAUGHT"
    );
}

// ----- 3. allocations that cannot be made: no SIGABRT ---------------------

#[test]
fn allocations_past_memory_are_a_storage_condition() {
    for (form, op) in [
        ("(make-array 100000000000)", "MAKE-ARRAY"),
        ("(make-array 100000000000 :element-type 'bit)", "MAKE-ARRAY"),
        ("(make-list 100000000000)", "MAKE-LIST"),
        ("(make-sequence 'string 100000000000)", "MAKE-SEQUENCE"),
        ("(make-sequence 'list 100000000000)", "MAKE-SEQUENCE"),
        ("(make-string 100000000000)", "MAKE-STRING"),
        (
            "(adjust-array (make-array 1 :adjustable t) 100000000000)",
            "ADJUST-ARRAY",
        ),
    ] {
        let m = signals("storage-condition", form);
        assert!(
            m.contains(op) && m.contains("100000000000 elements"),
            "{form}: {m}"
        );
    }
    // What fits is still made.
    assert_eq!(eval("(length (make-array 1000000))"), "1000000");
    assert_eq!(eval("(length (make-list 100000))"), "100000");
}

#[test]
fn format_parameters_past_the_limit_are_a_storage_condition() {
    for form in [
        "(format nil \"~v,,,'xa\" 100000000000 1)",
        "(format nil \"~100000000000%\")",
        "(format nil \"~,100000000000f\" 1.0)",
        "(format nil \"~100000000000d\" 1)",
        "(format nil \"~v~\" most-positive-fixnum)",
        "(format nil \"~v@t\" most-positive-fixnum)",
        "(format nil \"~v|\" most-positive-fixnum)",
        "(format t \"~100000000000,,,'-<x~>\")",
    ] {
        let m = signals("storage-condition", form);
        assert!(m.contains("asks for"), "{form}: {m}");
    }
    assert_eq!(eval("(length (format nil \"~100000@a\" 1))"), "100000");
}

// ----- 2. recursion over circular or deep data: no SIGSEGV ----------------

/// `a` and `b`: two distinct lists, each its own car (`#1=(#1#)`).
const CIRCULAR_CARS: &str = "(let ((a (list 1)) (b (list 1))) (setf (car a) a (car b) b) FORM)";

#[test]
fn equality_on_lists_circular_through_their_cars_is_a_storage_condition() {
    for form in [
        "(equal a b)",
        "(equalp a b)",
        "(tree-equal a b)",
        "(copy-tree a)",
        "(subst 1 2 a)",
        "(sublis '((2 . 1)) a)",
        "(nsubst 1 2 a)",
        "(let ((h (make-hash-table :test 'equal))) (setf (gethash a h) 1) (gethash b h))",
        "(let ((h (make-hash-table :test 'equalp))) (setf (gethash a h) 1) (gethash b h))",
        "(gethash a (make-hash-table :test 'equal))",
        "(member a (list b) :test #'equal)",
        "(assoc a (list (cons b 1)) :test #'equal)",
        "(find a (list b) :test #'equal)",
        "(remove-duplicates (list a b) :test #'equal)",
        "(search (list a) (list b) :test #'equal)",
        "(mismatch (list a) (list b) :test #'equal)",
        "(union (list a) (list b) :test #'equal)",
        "(position a (list b) :test #'equalp)",
    ] {
        let m = signals("storage-condition", &CIRCULAR_CARS.replace("FORM", form));
        assert!(m.contains("Control stack exhausted"), "{form}: {m}");
    }
}

#[test]
fn sxhash_of_circular_and_very_deep_lists_is_computed_at_once() {
    assert_eq!(
        eval(&CIRCULAR_CARS.replace("FORM", "(= (sxhash a) (sxhash b))")),
        "T"
    );
    assert_eq!(
        eval("(let ((l (list 1 2))) (setf (cdr (last l)) l) (integerp (sxhash l)))"),
        "T"
    );
    // Two million levels deep through the cars (the stack is 128 MiB).
    let deep = "(reduce #'list (make-list 2000000) :initial-value nil)";
    assert_eq!(
        eval(&format!(
            "(let ((x {deep}) (y {deep})) (= (sxhash x) (sxhash y)))"
        )),
        "T"
    );
    let m = signals("storage-condition", &format!("(copy-tree {deep})"));
    assert!(m.contains("COPY-TREE"), "{m}");
    let m = signals(
        "storage-condition",
        &format!("(let ((x {deep}) (y {deep})) (equal x y))"),
    );
    assert!(m.contains("EQUAL"), "{m}");
}

#[test]
fn printing_a_list_nested_a_million_deep_needs_no_stack() {
    assert_eq!(
        eval("(length (prin1-to-string (reduce #'list (make-list 1000000) :initial-value nil)))"),
        "6000003"
    );
}

#[test]
fn format_directives_nested_past_the_limit_are_an_error() {
    // A million groups: parsing them recursively would overflow the stack.
    let control = "(with-output-to-string (o) (dotimes (i 1000000) (write-string \"~(\" o)))";
    let m = signals("error", &format!("(format nil {control})"));
    assert!(m.contains("nested too deeply"), "{m}");
}

// ----- 4. start-up under a virtual-memory limit ----------------------------

#[test]
fn a_virtual_memory_limit_gets_a_smaller_stack_not_a_panic() {
    for vm in [2_000_000, 600_000, 250_000] {
        let r = run_with(vm, &["-e", "(print 1)"]);
        assert_eq!(
            (r.code, r.stdout.as_str()),
            (Some(0), "\n1 "),
            "ulimit -v {vm}: {}",
            r.stderr
        );
        // Runaway recursion still ends in a storage-condition.
        let r = run_with(
            vm,
            &[
                "-e",
                "(defun f (n) (+ 1 (f n))) (princ (handler-case (f 1) (storage-condition () :caught)))",
            ],
        );
        assert_eq!(r.code, Some(0), "ulimit -v {vm}: {}", r.stderr);
        assert_eq!(r.stdout, "CAUGHT", "ulimit -v {vm}");
    }
}

#[test]
fn help_documents_exit_status_70_for_internal_errors() {
    let r = run_with(SMALL_VM, &["--help"]);
    assert_eq!(r.code, Some(0));
    assert!(r.stdout.contains("70  an internal error"), "{}", r.stdout);
}

// ----- 8. circular argument lists, endless LOOP steps ----------------------

#[test]
fn circular_argument_lists_are_a_type_error() {
    let circular =
        "(let ((l (list \"a@example.com\" \"b@example.com\"))) (setf (cdr (last l)) l) FORM)";
    for form in [
        "(apply #'+ (progn (setf (car l) 1 (cadr l) 2) l))",
        "(apply #'list 0 l)",
        "(values-list l)",
        "(net.post-office:send-letter \"localhost\" \"me@example.com\" l \"hi\")",
        "(net.post-office:send-letter \"localhost\" \"me@example.com\" \"x@example.com\" \"hi\" :cc l)",
        "(net.post-office:send-letter \"localhost\" \"me@example.com\" \"x@example.com\" \"hi\" :bcc l)",
        "(net.post-office:send-letter \"localhost\" \"me@example.com\" \"x@example.com\" \"hi\" :attachments l)",
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let sink = dir.path().to_string_lossy().into_owned();
        let wrapped = format!(
            "(princ (handler-case (progn {} \"no condition\") \
               (type-error (c) (format nil \"caught ~a\" c))))",
            circular.replace("FORM", form)
        );
        let r = run_with(SMALL_VM, &["--sink", &sink, "-e", &wrapped]);
        assert_eq!(r.code, Some(0), "{form}: {}", r.stderr);
        assert!(
            r.stdout.starts_with("caught") && r.stdout.contains("circular"),
            "{form}: {}",
            r.stdout
        );
        // Nothing was delivered.
        let files = std::fs::read_dir(dir.path()).map(|d| d.count()).unwrap_or(0);
        assert_eq!(files, 0, "{form}");
    }
}

#[test]
fn a_non_positive_loop_by_is_a_type_error() {
    for form in [
        "(loop for i from 0 below 10 by -1 collect i)",
        "(loop for i from 10 downto 0 by 0 collect i)",
        "(loop for i upfrom 0 by (- 1) repeat 3 collect i)",
        "(let ((step 0)) (loop for i from 0 to 10 by step collect i))",
    ] {
        let m = signals("type-error", form);
        assert!(m.contains("(AND NUMBER (REAL (0)))"), "{form}: {m}");
    }
    assert_eq!(
        eval("(loop for i from 0 to 3 by 1.5 collect i)"),
        "(0 1.5 3.0)"
    );
    assert_eq!(
        eval("(loop for i from 9 downto 0 by 4 collect i)"),
        "(9 5 1)"
    );
}

#[test]
fn list_functions_walking_a_circular_list_end_in_a_type_error() {
    let circular = "(let ((l (list 1 2 3))) (setf (cdr (last l)) l) FORM)";
    for form in [
        "(mapcar #'identity l)",
        "(mapc #'identity l)",
        "(maplist #'identity l)",
        "(mapcan #'list l)",
        "(member 9 l)",
        "(member-if #'null l)",
        "(getf l :x)",
    ] {
        let m = signals("type-error", &circular.replace("FORM", form));
        assert!(m.contains("circular"), "{form}: {m}");
    }
    // What is there is still found, and a proper list bounds the mapping.
    assert_eq!(
        eval(&circular.replace("FORM", "(member 3 l)")),
        "(3 1 2 3 ...)"
    );
    assert_eq!(eval(&circular.replace("FORM", "(getf l 3)")), "1");
    assert_eq!(
        eval(&circular.replace("FORM", "(mapcar #'+ l '(10 20 30 40))")),
        "(11 22 33 41)"
    );
}

#[test]
fn a_print_object_method_printing_its_own_object_is_a_storage_condition() {
    // SBCL dies with a fatal error here; the evaluator's stack guard ends it.
    let m = signals(
        "storage-condition",
        "(progn (defclass selfish () ()) \
                (defmethod print-object ((x selfish) s) (format s \"<~a>\" x)) \
                (prin1-to-string (make-instance 'selfish)))",
    );
    assert!(m.contains("Control stack exhausted"), "{m}");
}

// ----- the pretty printer on circular lists ----------------------------------

#[test]
fn pretty_printing_a_circular_list_ends_instead_of_printing_for_ever() {
    for f in ["pprint-fill", "pprint-linear", "pprint-tabular"] {
        let out = eval(&format!(
            "(let ((l (list 1 2 3))) (setf (cdr (last l)) l) \
             (length (with-output-to-string (s) ({f} s l))))"
        ));
        let n: usize = out.trim().parse().unwrap_or(usize::MAX);
        assert!(n < 200, "{f}: {out}");
    }
    // print of a circular list under *print-pretty* (the default).
    let out = eval(
        "(let ((l (list 1 2 3))) (setf (cdr (last l)) l) \
         (length (prin1-to-string l)))",
    );
    let n: usize = out.trim().parse().unwrap_or(usize::MAX);
    assert!(n < 200, "{out}");
}

// ----- printed text larger than memory ---------------------------------------

/// A DAG of shared conses 2^40 leaves wide prints (without
/// `*print-circle*`) as more text than memory holds: the printer grows
/// its text fallibly, so this is a storage-condition, not an abort on
/// allocation failure. (A small address space makes it fail fast.)
#[test]
fn printing_more_text_than_memory_holds_is_a_storage_condition() {
    let form = "(princ (handler-case \
                  (length (write-to-string \
                    (let ((x (list nil))) (dotimes (i 40) (setf x (cons x x))) x) \
                    :pretty nil)) \
                  (storage-condition () :caught)))";
    let r = run_with(150_000, &["-e", form]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stdout, "CAUGHT");
}
