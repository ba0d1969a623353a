//! CLHS invoke-debugger: `*debugger-hook*` is called with the condition
//! and itself while bound to NIL; when it returns (or there is none) the
//! condition ends the script as an unhandled error does. (SBCL's
//! `--script` mode quits before the hook, so this is no transcript.)

mod common;
use common::in_process::run;

#[test]
fn the_hook_sees_the_condition_and_itself_while_unbound() {
    let out = run("(block done
         (let* ((cnd (make-condition 'simple-error))
                (fn (lambda (c hook)
                      (return-from done
                        (list (null *debugger-hook*) (eq c cnd) (functionp hook))))))
           (let ((*debugger-hook* fn))
             (invoke-debugger cnd))))");
    assert_eq!(out, "(T T T)");
}

#[test]
fn a_returning_hook_or_none_ends_as_an_unhandled_error() {
    let out = run(
        "(let ((*debugger-hook* (lambda (c h) (declare (ignore c h)) :returned)))
           (invoke-debugger (make-condition 'simple-error :format-control \"stop here\")))",
    );
    assert!(
        out.starts_with("error:") && out.contains("stop here"),
        "{out}"
    );
    let out = run("(invoke-debugger (make-condition 'simple-error :format-control \"no hook\"))");
    assert!(
        out.starts_with("error:") && out.contains("no hook"),
        "{out}"
    );
}

#[test]
fn a_non_condition_is_a_type_error() {
    let out = run("(handler-case (invoke-debugger 3) (type-error (c) (type-error-datum c)))");
    assert_eq!(out, "3");
}
