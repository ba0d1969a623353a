//! `bench-sink [--port N] [--port-file F] [--tls --ca-out CA.pem]`: serve
//! SMTP on 127.0.0.1 until killed. The bound port is written to the port
//! file (and stdout) once the sink accepts connections.

use sendletter_bench::sink::{pki, Sink};

fn main() {
    if let Err(e) = run() {
        eprintln!("bench-sink: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let mut port = 0u16;
    let mut port_file = None;
    let mut ca_out = None;
    let mut tls = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--port" => port = value()?.parse().map_err(|_| "bad --port")?,
            "--port-file" => port_file = Some(value()?),
            "--ca-out" => ca_out = Some(value()?),
            "--tls" => tls = true,
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    let config = if tls {
        let pki = pki()?;
        let path = ca_out.ok_or("--tls needs --ca-out")?;
        std::fs::write(&path, &pki.ca_pem).map_err(|e| format!("{path}: {e}"))?;
        Some(pki.server_config)
    } else {
        None
    };
    let sink = Sink::bind(port, config).map_err(|e| e.to_string())?;
    let port = sink.addr().map_err(|e| e.to_string())?.port();
    println!("{port}");
    if let Some(f) = port_file {
        // Written last and renamed, so a reader never sees a partial file.
        let tmp = format!("{f}.tmp");
        std::fs::write(&tmp, format!("{port}\n")).map_err(|e| e.to_string())?;
        std::fs::rename(&tmp, &f).map_err(|e| e.to_string())?;
    }
    sink.serve();
    Ok(())
}
