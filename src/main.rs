//! The `sendletter` binary: parse the command line and run it on a thread
//! with a large stack (deep Lisp recursion ends in a Lisp error, not a
//! crash; the evaluator counts depth well within this stack).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match sendletter::cli::parse_args(&args) {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("sendletter: {msg}\nTry 'sendletter --help'.");
            std::process::exit(2);
        }
    };
    let worker = std::thread::Builder::new()
        .name("lisp".into())
        .stack_size(sendletter::STACK_SIZE)
        .spawn(move || sendletter::cli::run(config));
    let status = match worker.map(|h| h.join()) {
        Ok(Ok(status)) => status,
        _ => {
            eprintln!("sendletter: internal error");
            70
        }
    };
    std::process::exit(status);
}
