//! Does a domain receive mail? The DNS check behind
//! `net.mail:valid-email-domain-p`, as Allegro's rfc2822.cl does it: an MX
//! record, else an address record (a CNAME followed), means yes; a name
//! that does not exist or has neither means no; no answer means unknown.
//!
//! A small stub resolver: one question per UDP datagram (RFC 1035 §4.2.1)
//! to the recursive name servers of `/etc/resolv.conf`, each tried in turn
//! with a time limit. `simple-dns` builds and parses the packets; the
//! sockets are ours because the resolver crates that do both are
//! asynchronous and far larger than this need.

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use simple_dns::rdata::RData;
use simple_dns::{Name, Packet, PacketFlag, Question, CLASS, QCLASS, QTYPE, RCODE, TYPE};

/// The answer to "does this domain receive mail?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailDomain {
    Yes,
    No,
    /// No name server answered in time, or they failed (SERVFAIL…).
    Unknown,
}

/// What one question found.
enum Found {
    /// Records of the type asked for (or, for A, AAAA too).
    Records,
    /// A CNAME, with its target, and nothing of the type asked for.
    Alias(String),
    /// The name exists without such records (NOERROR, no data).
    Nothing,
    /// NXDOMAIN.
    NoSuchName,
    Failed,
}

/// The name servers of `resolv.conf` text (port 53), loopback when it
/// names none, as the C library does.
pub fn name_servers(resolv_conf: &str) -> Vec<SocketAddr> {
    let found: Vec<SocketAddr> = resolv_conf
        .lines()
        .filter_map(|l| l.strip_prefix("nameserver"))
        .filter_map(|rest| rest.split_whitespace().next())
        .filter_map(|ip| ip.split('%').next()?.parse::<IpAddr>().ok())
        .map(|ip| SocketAddr::new(ip, 53))
        .collect();
    if found.is_empty() {
        vec![SocketAddr::from(([127, 0, 0, 1], 53))]
    } else {
        found
    }
}

/// Checks `domain` against `servers`, each question allowed `timeout` per
/// server.
pub fn mail_domain(domain: &str, servers: &[SocketAddr], timeout: Duration) -> MailDomain {
    let domain = domain.trim().trim_end_matches('.');
    if domain.is_empty() || Name::new(domain).is_err() || !domain.is_ascii() {
        return MailDomain::No;
    }
    match ask(domain, TYPE::MX, servers, timeout) {
        Found::Records => return MailDomain::Yes,
        Found::NoSuchName => return MailDomain::No,
        Found::Failed => return MailDomain::Unknown,
        Found::Alias(_) | Found::Nothing => {}
    }
    match ask(domain, TYPE::A, servers, timeout) {
        Found::Records => MailDomain::Yes,
        Found::NoSuchName | Found::Nothing => MailDomain::No,
        Found::Failed => MailDomain::Unknown,
        // One alias is followed, as Allegro does.
        Found::Alias(target) => match ask(&target, TYPE::A, servers, timeout) {
            Found::Records => MailDomain::Yes,
            Found::Failed => MailDomain::Unknown,
            _ => MailDomain::No,
        },
    }
}

/// Asks each server in turn until one answers.
fn ask(name: &str, qtype: TYPE, servers: &[SocketAddr], timeout: Duration) -> Found {
    for server in servers {
        if let Some(found) = ask_one(name, qtype, *server, timeout) {
            return found;
        }
    }
    Found::Failed
}

/// One question to one server; `None` when it did not answer usefully.
fn ask_one(name: &str, qtype: TYPE, server: SocketAddr, timeout: Duration) -> Option<Found> {
    let mut id = [0u8; 2];
    getrandom::fill(&mut id).ok()?;
    let id = u16::from_be_bytes(id);
    let mut query = Packet::new_query(id);
    query.set_flags(PacketFlag::RECURSION_DESIRED);
    query.questions.push(Question::new(
        Name::new(name).ok()?,
        QTYPE::TYPE(qtype),
        QCLASS::CLASS(CLASS::IN),
        false,
    ));
    let bytes = query.build_bytes_vec().ok()?;
    let local: SocketAddr = if server.is_ipv4() {
        SocketAddr::from(([0, 0, 0, 0], 0))
    } else {
        SocketAddr::from(([0u16; 8], 0))
    };
    let socket = UdpSocket::bind(local).ok()?;
    socket.connect(server).ok()?;
    socket.send(&bytes).ok()?;
    let deadline = Instant::now() + timeout;
    let mut buf = vec![0u8; 4096];
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        socket
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .ok()?;
        let n = socket.recv(&mut buf).ok()?;
        let Ok(reply) = Packet::parse(&buf[..n]) else {
            continue;
        };
        // A datagram for another question (RFC 5452 §9.1) is ignored.
        if reply.id() != id {
            continue;
        }
        return Some(judge(&reply, qtype));
    }
}

fn judge(reply: &Packet, qtype: TYPE) -> Found {
    match reply.rcode() {
        RCODE::NoError => {}
        RCODE::NameError => return Found::NoSuchName,
        _ => return Found::Failed,
    }
    let mut alias = None;
    for record in &reply.answers {
        match (&record.rdata, qtype) {
            (RData::MX(_), TYPE::MX) | (RData::A(_) | RData::AAAA(_), TYPE::A) => {
                return Found::Records
            }
            (RData::CNAME(target), _) => alias = Some(target.0.to_string()),
            _ => {}
        }
    }
    match alias {
        Some(target) => Found::Alias(target),
        None => Found::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use simple_dns::rdata::{A, CNAME, MX};
    use simple_dns::ResourceRecord;
    use std::thread;

    /// A loopback name server answering from a table: name and type →
    /// (rcode, records); `None` = never answer.
    fn server(
        answer: impl Fn(&str, TYPE) -> Option<(RCODE, Vec<RData<'static>>)> + Send + 'static,
    ) -> SocketAddr {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        thread::spawn(move || {
            let mut buf = [0u8; 1500];
            while let Ok((n, from)) = socket.recv_from(&mut buf) {
                let Ok(q) = Packet::parse(&buf[..n]) else {
                    continue;
                };
                let question = &q.questions[0];
                let QTYPE::TYPE(t) = question.qtype else {
                    continue;
                };
                let name = question.qname.to_string();
                let Some((rcode, records)) = answer(&name, t) else {
                    continue;
                };
                let mut reply = Packet::new_reply(q.id());
                *reply.rcode_mut() = rcode;
                reply.questions.push(question.clone());
                for r in records {
                    reply.answers.push(ResourceRecord::new(
                        Name::new_unchecked(Box::leak(name.clone().into_boxed_str())),
                        CLASS::IN,
                        60,
                        r,
                    ));
                }
                // A stray reply with another id first: it must be ignored.
                let mut stray = Packet::new_reply(q.id().wrapping_add(1));
                *stray.rcode_mut() = RCODE::NameError;
                let _ = socket.send_to(&stray.build_bytes_vec().unwrap(), from);
                let _ = socket.send_to(&reply.build_bytes_vec().unwrap(), from);
            }
        });
        addr
    }

    fn mx() -> RData<'static> {
        RData::MX(MX {
            preference: 10,
            exchange: Name::new_unchecked("mx.example.org"),
        })
    }

    fn a() -> RData<'static> {
        RData::A(A {
            address: 0x7f000001,
        })
    }

    #[test]
    fn mx_then_address_then_one_alias() {
        let dns = server(|name, t| {
            Some(match (name, t) {
                ("mail.example.org", TYPE::MX) => (RCODE::NoError, vec![mx()]),
                ("web.example.org", TYPE::A) => (RCODE::NoError, vec![a()]),
                ("alias.example.org", TYPE::A) => (
                    RCODE::NoError,
                    vec![RData::CNAME(CNAME(Name::new_unchecked("web.example.org")))],
                ),
                ("nope.example.org", _) => (RCODE::NameError, vec![]),
                ("broken.example.org", _) => (RCODE::ServerFailure, vec![]),
                ("silent.example.org", _) => return None,
                _ => (RCODE::NoError, vec![]),
            })
        });
        let t = Duration::from_millis(300);
        let check = |d: &str| mail_domain(d, &[dns], t);
        assert_eq!(check("mail.example.org"), MailDomain::Yes);
        assert_eq!(check("web.example.org."), MailDomain::Yes);
        assert_eq!(check("alias.example.org"), MailDomain::Yes);
        assert_eq!(check("nope.example.org"), MailDomain::No);
        assert_eq!(check("empty.example.org"), MailDomain::No);
        assert_eq!(check("broken.example.org"), MailDomain::Unknown);
        let start = Instant::now();
        assert_eq!(check("silent.example.org"), MailDomain::Unknown);
        assert!(start.elapsed() < Duration::from_secs(2));
        assert_eq!(check(""), MailDomain::No);
        assert_eq!(check("a..b"), MailDomain::No);
    }

    #[test]
    fn resolv_conf_servers() {
        let text = "# c\nsearch x\nnameserver 10.0.0.1\nnameserver fe80::1%eth0\nnameserver bad\n";
        let s = name_servers(text);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0], "10.0.0.1:53".parse().unwrap());
        assert_eq!(name_servers(""), vec!["127.0.0.1:53".parse().unwrap()]);
    }
}
