//! `bench-client --port P --count N [--reuse] [--ca CA.pem]`: send N letters
//! to 127.0.0.1:P (implicit TLS with --ca) and print the rate.
//! `bench-client --port P --stats` prints the sink's counters.

use std::net::SocketAddr;
use std::time::Instant;

use sendletter_bench::client::{send_letters, sink_stats, tls_config};

fn main() {
    if let Err(e) = run() {
        eprintln!("bench-client: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let mut port = 0u16;
    let mut count = 1u64;
    let mut reuse = false;
    let mut stats = false;
    let mut ca = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--port" => port = value()?.parse().map_err(|_| "bad --port")?,
            "--count" => count = value()?.parse().map_err(|_| "bad --count")?,
            "--ca" => ca = Some(value()?),
            "--reuse" => reuse = true,
            "--stats" => stats = true,
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    if stats {
        println!("{}", sink_stats(addr).map_err(|e| e.to_string())?);
        return Ok(());
    }
    let tls = match ca {
        Some(path) => {
            let pem = std::fs::read(&path).map_err(|e| format!("{path}: {e}"))?;
            Some(tls_config(&pem)?)
        }
        None => None,
    };
    let t0 = Instant::now();
    send_letters(addr, count, reuse, tls.as_ref()).map_err(|e| e.to_string())?;
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "letters={count} seconds={secs:.3} letters_per_second={:.0}",
        count as f64 / secs
    );
    Ok(())
}
