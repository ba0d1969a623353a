//! Lisp run in this process, for tests that look at values rather than a
//! program's output.

/// Run `src` in a fresh interpreter on its own thread; the printed value
/// of the last form, or the error.
pub fn run(src: &str) -> String {
    let src = src.to_string();
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            let mut it = sendletter::toplevel::new_interp();
            it.set_stack_budget(32 << 20);
            match sendletter::toplevel::load_source(&mut it, &src, None) {
                Ok(v) => sendletter::printer::prin1_to_string(&v),
                Err(e) => format!("error: {}", e.describe()),
            }
        })
        .expect("spawn")
        .join()
        .unwrap_or_else(|_| "panicked".to_string())
}
