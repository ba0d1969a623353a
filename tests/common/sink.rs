//! A minimal SMTP sink on loopback for tests that only need a server that
//! says yes quickly.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A minimal SMTP sink: accepts sessions one after another and counts
/// messages that reached the end of data.
pub fn start_sink() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let _ = conn.set_nodelay(true);
            let Ok(mut out) = conn.try_clone() else {
                continue;
            };
            let mut lines = BufReader::new(conn);
            let _ = out.write_all(b"220 sink ESMTP\r\n");
            let mut line = String::new();
            let mut in_data = false;
            loop {
                line.clear();
                match lines.read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                if in_data {
                    if line == ".\r\n" {
                        in_data = false;
                        c.fetch_add(1, Ordering::SeqCst);
                        let _ = out.write_all(b"250 queued\r\n");
                    }
                    continue;
                }
                let upper = line.to_ascii_uppercase();
                let reply: &[u8] = if upper.starts_with("EHLO") {
                    b"250-sink\r\n250 PIPELINING\r\n"
                } else if upper.starts_with("DATA") {
                    in_data = true;
                    b"354 go on\r\n"
                } else if upper.starts_with("QUIT") {
                    let _ = out.write_all(b"221 bye\r\n");
                    break;
                } else {
                    b"250 ok\r\n"
                };
                let _ = out.write_all(reply);
            }
        }
    });
    (port, count)
}
