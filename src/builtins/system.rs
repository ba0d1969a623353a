//! Allegro's system functions: `sys:getenv`, `sys:command-line-arguments`,
//! `excl:run-shell-command`, `exit`, `load`, `require`.

use std::cell::RefCell;

thread_local! {
    static COMMAND_LINE: RefCell<(Option<String>, Vec<String>)> = const { RefCell::new((None, Vec::new())) };
}

/// Record the script name and its arguments for `sys:command-line-arguments`.
pub fn set_command_line(script: &Option<String>, args: &[String]) {
    COMMAND_LINE.with(|c| *c.borrow_mut() = (script.clone(), args.to_vec()));
}

/// The script name and arguments.
pub fn command_line() -> (Option<String>, Vec<String>) {
    COMMAND_LINE.with(|c| c.borrow().clone())
}

pub const BUILTINS: &[super::BuiltinDef] = &[];
