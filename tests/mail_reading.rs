//! Reading mail from Lisp without a real server: the wire form of every
//! IMAP/POP command (a scripted loopback server records what arrives),
//! hostile servers (huge or lying literals, unbalanced parentheses,
//! stalls) turned into `po-error`s within the time limit, and the header
//! and address parsers (Franz's own t-imap.cl cases).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn run(script: &str) -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.lisp");
    std::fs::write(
        &path,
        format!("(require :imap)\n(use-package :net.post-office)\n{script}"),
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_sendletter"))
        .arg(&path)
        .output()
        .expect("run");
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn ok(r: &Run) -> Vec<String> {
    assert!(r.ok, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    r.stdout
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// A scripted IMAP server: greets, answers `login` and `list "" ""` as
/// Dovecot does, and answers each other command with `answers(command)`
/// (untagged lines; `None` = say nothing more, ever). Returns the port and
/// the commands received.
fn imap_server(
    answers: impl Fn(&str) -> Option<String> + Send + 'static,
) -> (u16, mpsc::Receiver<String>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let Ok((s, _)) = l.accept() else { return };
        let mut w = s.try_clone().unwrap();
        let _ = w.write_all(b"* OK [CAPABILITY IMAP4rev1] test ready\r\n");
        let mut r = BufReader::new(s);
        let mut line = String::new();
        while r.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
            let cmd = line.trim_end().to_string();
            line.clear();
            let (tag, rest) = cmd.split_once(' ').unwrap_or((&cmd, ""));
            let _ = tx.send(rest.to_string());
            let reply = if rest.starts_with("login ") {
                Some(String::new())
            } else if rest == "list \"\" \"\"" {
                Some("* LIST (\\Noselect) \"/\" \"\"\r\n".to_string())
            } else if rest == "logout" {
                let _ = w.write_all(b"* BYE bye\r\n");
                Some(String::new())
            } else {
                answers(rest)
            };
            match reply {
                Some(untagged) => {
                    let _ = w.write_all(format!("{untagged}{tag} OK done\r\n").as_bytes());
                }
                None => {
                    thread::sleep(Duration::from_secs(10));
                    return;
                }
            }
        }
    });
    (port, rx)
}

fn connect(port: u16) -> String {
    format!("(make-imap-connection \"127.0.0.1\" :port {port} :user \"me\" :password \"p w\" :timeout 2)")
}

#[test]
fn imap_commands_on_the_wire() {
    let (port, rx) = imap_server(|cmd| {
        Some(match cmd {
            c if c.starts_with("search") => "* SEARCH 2 4\r\n".to_string(),
            c if c.starts_with("store") => "* 1 FETCH (FLAGS (\\Seen \\Deleted))\r\n".to_string(),
            "expunge" => "* 3 EXPUNGE\r\n* 3 EXPUNGE\r\n".to_string(),
            c if c.starts_with("list") => {
                "* LIST (\\HasNoChildren) \"/\" INBOX\r\n* LIST () \"/\" \"a b\"\r\n".to_string()
            }
            _ => String::new(),
        })
    });
    let r = run(&format!(
        r#"
(let ((mb {c}))
  (select-mailbox mb "my box")
  (format t "~s~%" (search-mailbox mb '(or :seen (:from "bob \"the\" builder"))))
  (search-mailbox mb '(and (:since 4005244800) (not :deleted) (:larger 100)))
  (search-mailbox mb '(or :new :old (:keyword :$junk)))
  (search-mailbox mb '(:header "X-Spam" "yes") :uid t)
  (search-mailbox mb '(1 (:seq 3 5)))
  (search-mailbox mb nil)
  (format t "~s~%" (alter-flags mb '(:seq 1 3) :add-flags '(:\\seen :\\deleted)))
  (alter-flags mb 2 :flags nil :silent t)
  (format t "~s~%" (alter-flags mb 2))
  (format t "~s~%" (delete-letter mb 3 :uid t))
  (copy-to-mailbox mb '(1 2) "Archive/2026")
  (create-mailbox mb "quote\"d")
  (rename-mailbox mb "a" "b")
  (fetch-parts mb 7 "(flags uid)" :uid t)
  (format t "~s~%" (mailbox-list mb :reference "" :pattern "*"))
  (format t "~s~%" (close-connection mb)))
"#,
        c = connect(port)
    ));
    let out = ok(&r);
    assert_eq!(
        out,
        [
            "(2 4)",
            "((1 (\"FLAGS\" (:|\\\\SEEN| :|\\\\DELETED|))))",
            "NIL",
            "(3 3)",
            "((NIL \"/\" \"a b\") ((:|\\\\HASNOCHILDREN|) \"/\" \"INBOX\"))",
            "T",
        ],
        "{}",
        r.stdout
    );
    let got: Vec<String> = rx.try_iter().collect();
    assert_eq!(
        got,
        [
            "login \"me\" \"p w\"",
            "list \"\" \"\"",
            "select \"my box\"",
            "search or (SEEN) (FROM \"bob \\\"the\\\" builder\")",
            "search SINCE \"3-Dec-2026\" not (DELETED) LARGER 100",
            "search or (NEW) (or (OLD) (KEYWORD \"$JUNK\"))",
            "uid search HEADER \"X-Spam\" \"yes\"",
            "search 1,3:5",
            // `search ` with Allegro's trailing space (the recorder trims it).
            "search",
            "store 1:3 +flags (\\SEEN \\DELETED)",
            "store 2 flags.silent ()",
            "uid store 3 +flags (\\DELETED)",
            "expunge",
            "copy 1,2 \"Archive/2026\"",
            "create \"quote\\\"d\"",
            "rename \"a\" \"b\"",
            "uid fetch 7 (flags uid)",
            "list \"\" \"*\"",
            "logout",
        ]
    );
}

#[test]
fn bad_arguments_are_syntax_errors_before_anything_is_sent() {
    let (port, rx) = imap_server(|_| Some(String::new()));
    let r = run(&format!(
        r#"
(let ((mb {c}))
  (dolist (expr '((:frob 1) (:from) (or) "text" (:larger "x") (:seq 1)))
    (format t "~s~%" (handler-case (search-mailbox mb expr)
                       (po-error (e) (po-condition-identifier e)))))
  (format t "~s~%" (handler-case (fetch-parts mb '(:seq 1) "body[]")
                     (po-error (e) (po-condition-identifier e))))
  (format t "~s~%" (handler-case (select-mailbox mb (format nil "x~c~cy" #\return #\linefeed))
                     (po-error (e) (po-condition-identifier e))))
  (format t "~s~%" (handler-case (fetch-parts mb 1 (format nil "body[]~%t09 delete x"))
                     (po-error (e) (po-condition-identifier e)))))
"#,
        c = connect(port)
    ));
    let out = ok(&r);
    assert!(out.iter().all(|l| l == ":SYNTAX-ERROR"), "{out:?}");
    assert_eq!(out.len(), 9);
    let got: Vec<String> = rx.try_iter().collect();
    assert_eq!(got, ["login \"me\" \"p w\"", "list \"\" \"\""]);
}

/// Each hostile answer must end in a `po-error` with this identifier, in
/// well under the 2 s limit plus a margin.
#[test]
fn hostile_imap_servers_give_po_errors_not_hangs() {
    let cases: &[(&str, &str)] = &[
        ("* 1 FETCH (BODY[] {2147483648}\r\n", ":RESPONSE-TOO-LARGE"),
        (
            "* 1 FETCH (BODY[] {99999999999999999999999}\r\n",
            ":RESPONSE-TOO-LARGE",
        ),
        ("* 1 FETCH (BODY[] {100}\r\nonly this)\r\n", ":TIMEOUT"),
        ("* 1 FETCH (FLAGS (\\Seen)\r\n", ":UNEXPECTED"),
        ("* 1 FETCH (FLAGS \\Seen)))\r\n", ":UNEXPECTED"),
        ("* 1 FETCH (BODY[] \"never closed)\r\n", ":UNEXPECTED"),
        ("", ":TIMEOUT"),
        ("* BYE shutting down\r\n", ":SERVER-SHUTDOWN-CONNECTION"),
    ];
    for (answer, want) in cases {
        let a = answer.to_string();
        let (port, _rx) = imap_server(move |cmd| {
            if cmd.starts_with("fetch") {
                if a.is_empty() {
                    None
                } else {
                    Some(a.clone())
                }
            } else {
                Some(String::new())
            }
        });
        // A server that stops after its answer: close_connection would
        // wait for logout's reply; the timeout (2 s) bounds that too.
        let started = Instant::now();
        let r = run(&format!(
            r#"
(let ((mb {c}))
  (format t "~s~%" (handler-case (fetch-letter mb 1)
                     (po-error (e) (po-condition-identifier e)))))
"#,
            c = connect(port)
        ));
        let out = ok(&r);
        assert_eq!(out, [*want], "answer {answer:?}: {}", r.stdout);
        assert!(
            started.elapsed() < Duration::from_secs(8),
            "answer {answer:?} took {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn pop_commands_on_the_wire_and_hostile_answers() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel::<String>();
    thread::spawn(move || {
        let Ok((s, _)) = l.accept() else { return };
        let mut w = s.try_clone().unwrap();
        let _ = w.write_all(b"+OK ready\r\n");
        let mut r = BufReader::new(s);
        let mut line = String::new();
        while r.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
            let cmd = line.trim_end().to_string();
            line.clear();
            let _ = tx.send(cmd.clone());
            let reply: &[u8] = match cmd.as_str() {
                "stat" => b"+OK 3 300\r\n",
                "RETR 1" => b"+OK\r\nSubject: a\r\n\r\n..x\r\n.\r\n",
                "UIDL 2" => b"+OK 2 00042\r\n",
                "UIDL" => b"+OK\r\n1 abc\r\n2 00042\r\n.\r\n",
                "TOP 1 0" => b"+OK\r\nSubject: a\r\n\r\n.\r\n",
                "RETR 3" => b"+OK\r\nendless line without a terminator",
                "QUIT" => b"+OK bye\r\n",
                c if c.starts_with("DELE 9") => b"-ERR no such message\r\n",
                _ => b"+OK\r\n",
            };
            let _ = w.write_all(reply);
        }
    });
    let r = run(&format!(
        r#"
(with-pop-connection (pb "127.0.0.1" :port {port} :user "me" :password "pw" :timeout 1)
  (format t "~s~%" (mailbox-message-count pb))
  (format t "~s~%" (fetch-letter pb 1))
  (format t "~s~%" (unique-id pb 2))
  (format t "~s~%" (unique-id pb))
  (format t "~s~%" (top-lines pb 1 0))
  (format t "~s~%" (delete-letter pb '(1 (:seq 2 3))))
  (format t "~s~%" (handler-case (delete-letter pb 9)
                     (po-error (e) (list (po-condition-identifier e) (po-condition-server-string e)))))
  (format t "~s~%" (reset-mailbox pb))
  (format t "~s~%" (noop pb))
  (format t "~s~%" (handler-case (fetch-letter pb 3)
                     (po-error (e) (po-condition-identifier e)))))
"#
    ));
    let out = ok(&r);
    assert_eq!(
        out,
        [
            "3",
            "\"Subject: a",
            "",
            ".x",
            "\"",
            "42",
            "((1 \"abc\") (2 \"42\"))",
            "\"Subject: a",
            "",
            "\"",
            "NIL",
            "(:ERROR-RESPONSE \"no such message\")",
            "NIL",
            "3",
            ":TIMEOUT",
        ]
        .iter()
        .filter(|l| !l.is_empty())
        .map(|s| s.to_string())
        .collect::<Vec<_>>(),
        "{}",
        r.stdout
    );
    let got: Vec<String> = rx.try_iter().collect();
    assert_eq!(
        got,
        [
            "user me", "pass pw", "stat", "RETR 1", "UIDL 2", "UIDL", "TOP 1 0", "DELE 1",
            "DELE 2", "DELE 3", "DELE 9", "RSET", "stat", "RETR 3",
        ]
    );
}

#[test]
fn franz_header_and_address_cases() {
    let r = run(r#"
(format t "~s~%" (decode-header-text "=?utf-8?q?foo?=
  =?utf-8?q?bar?= baz"))
(format t "~s~%" (decode-header-text "before =?utf-8?q?bruce?=    =?utf-8?q?jones?= hello"))
(format t "~s~%" (decode-header-text "=?utf-8?q?=5BFranz_Wiki=5D_Update_of_=22Office/EmployeeDirectory=22_by_St?=
 =?utf-8?q?eveHaflich?="))
(format t "~s~%" (handler-case (decode-header-text "=?x-unknown?q?a?=") (error (e) (princ-to-string e))))
(format t "~s~%" (multiple-value-list (net.mail:parse-email-address (format nil "~%~%layer@franz.com~%  ~%"))))
(format t "~s~%" (net.mail:parse-email-address "@foo.com"))
(format t "~s~%" (net.mail:parse-email-address (format nil "~a@franz.com" (make-string 65 :initial-element #\a))))
(format t "~s~%" (net.mail:extract-email-addresses "Joe Example <joe@example.com>, g: a@b.c;"))
(format t "~s~%" (net.mail:extract-email-addresses "<broken" :errorp nil))
(format t "~s~%" (multiple-value-list (parse-mail-header (format nil "Subject: a~% b~%To: x~%~%body~%"))))
(format t "~s~%" (make-envelope-from-text (format nil "From: f~%Subject: s~%Message-Id: <m>~%~%")))
(format t "~s~%" (mime-dequote "\"a \\\"q\\\"\""))
(format t "~s~%" (handler-case (po-error :my-id :server-string "  srv" :format-control "bad ~a" :format-arguments '(1))
                   (po-error (e) (list (po-condition-identifier e) (po-condition-server-string e) (princ-to-string e)))))
(format t "~s~%" (handler-case (progn (po-condition :note) :returned) (po-condition (c) (po-condition-identifier c))))
(format t "~s~%" (subtypep 'po-error 'error))
"#);
    let out = ok(&r);
    assert_eq!(
        out,
        [
            "\"foobar baz\"",
            "\"before brucejones hello\"",
            "\"[Franz Wiki] Update of \\\"Office/EmployeeDirectory\\\" by SteveHaflich\"",
            "\"No external format found for MIME charset \\\"x-unknown\\\"\"",
            "(\"layer\" \"franz.com\")",
            "NIL",
            "NIL",
            // Wrapped at 80 columns by the pretty printer, as SBCL does.
            "((:MAILBOX \"Joe Example \" \"joe\" \"example.com\")",
            " (:GROUP \"g\" ((:MAILBOX NIL \"a\" \"b.c\"))))",
            "NIL",
            "(((\"To\" . \"x\") (\"Subject\" . \"a b\")) \"body",
            "\")",
            "(NIL \"s\" \"f\" NIL NIL NIL NIL NIL NIL \"<m>\")",
            "\"a \\\"q\\\"\"",
            "(:MY-ID \"  srv\" \"Post Office condition: :MY-ID",
            "bad 1",
            "Message from server: \\\"srv\\\"\")",
            ":NOTE",
            "T",
        ]
    );
}

const TOP_HEADERS: &[u8] = b"From: a@b\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n";

/// `parse-mime-structure` of a 256 MiB message runs in bounded memory:
/// under a 150 MB address-space limit (the message alone would not fit).
#[test]
fn parse_mime_structure_streams_a_256_mib_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let eml = dir.path().join("big.eml");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&eml).expect("create"));
        f.write_all(TOP_HEADERS).unwrap();
        f.write_all(b"--B\r\nContent-Type: text/plain\r\n\r\nhi\r\n--B\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n").unwrap();
        let line = [b"A".repeat(76), b"\r\n".to_vec()].concat();
        for _ in 0..(256 * 1024 * 1024 / line.len() + 1) {
            f.write_all(&line).unwrap();
        }
        f.write_all(b"--B--\r\n").unwrap();
    }
    let script = dir.path().join("s.lisp");
    std::fs::write(
        &script,
        format!(
            r#"(with-open-file (s {:?})
  (multiple-value-bind (p reason end) (net.post-office:parse-mime-structure s)
    (format t "~s ~s~%" reason end)
    (net.post-office:map-over-parts p
      (lambda (x) (format t "~a ~a ~a~%" (net.post-office:mime-part-subtype x)
                          (net.post-office:mime-part-body-size x)
                          (net.post-office:mime-part-lines x))))))"#,
            eml.display().to_string()
        ),
    )
    .unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v 150000; exec {} {}",
            env!("CARGO_BIN_EXE_sendletter"),
            script.display()
        ))
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let size = std::fs::metadata(&eml).unwrap().len();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], format!(":EOF {size}"));
    assert_eq!(
        lines[1],
        format!("mixed {} 0", size - TOP_HEADERS.len() as u64)
    );
    assert_eq!(lines[2], "plain 4 1");
    assert_eq!(
        lines[3],
        format!(
            "octet-stream {} {}",
            (256 * 1024 * 1024 / 78 + 1) * 78,
            256 * 1024 * 1024 / 78 + 1
        )
    );
}

#[test]
fn parsed_parts_from_lisp() {
    let r = run(r#"
(with-input-from-string (s (format nil "Subject: x~%Content-Type: multipart/alternative; boundary=zz~%~%--zz~%Content-Type: text/plain; charset=\"utf-8\"~%Content-Id: <a@b>~%~%plain~%--zz~%Content-Type: message/rfc822~%~%Subject: inner~%~%in~%--zz--~%"))
  (multiple-value-bind (p reason) (parse-mime-structure s)
    (format t "~s~%" reason)
    (format t "~s~%" (mapcar #'mime-part-subtype (mime-part-parts p)))
    (let ((text (first (mime-part-parts p))))
      (format t "~s~%" (list (mime-part-parameters text) (mime-dequote (cdr (first (mime-part-parameters text))))
                             (mime-part-id text) (mime-part-boundary text) (mime-part-encoding text))))
    (format t "~s~%" (mime-part-headers (mime-part-message (second (mime-part-parts p)))))
    (let ((n 0)) (map-over-parts p (lambda (x) (declare (ignore x)) (incf n))) (format t "~s~%" n))
    (format t "~s~%" (mime-part-p p))))
(format t "~s~%" (with-input-from-string (s "") (multiple-value-list (parse-mime-structure s))))
"#);
    assert_eq!(
        ok(&r),
        [
            ":EOF",
            "(\"plain\" \"rfc822\")",
            "(((\"charset\" . \"\\\"utf-8\\\"\")) \"utf-8\" \"<a@b>\" \"zz\" \"7bit\")",
            "((\"Subject\" . \"inner\"))",
            "4",
            "T",
            "(NIL :EOF NIL)",
        ]
    );
}

/// `with-decoded-part-body-stream` and `with-part-stream` over a file, as
/// Allegro's `mime-parse.txt` example uses them: the caller positions the
/// stream, the macro reads exactly the part.
#[test]
fn part_streams_decode_transfer_encodings_and_charsets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let eml = dir.path().join("m.eml");
    std::fs::write(
        &eml,
        b"Subject: t\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n--XX\r\n\
Content-Type: text/plain; charset=\"iso-8859-2\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
Za=BF=F3=B3=E6 g=EA=B6l=B1 =\r\nja=BC=F1\r\n--XX\r\n\
Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n\
SGVsbG8s\r\nIHdvcmxkIQ==\r\n--XX\r\nContent-Type: text/plain; charset=shift_jis\r\n\
Content-Transfer-Encoding: 8bit\r\n\r\n\x93\xfa\x96\x7b\x8c\xea\r\n--XX--\r\n",
    )
    .expect("write");
    let r = run(&format!(
        r#"
(with-open-file (s {eml:?} :external-format :latin1)
  (map-over-parts (parse-mime-structure s)
    (lambda (p)
      (unless (mime-part-parts p)
        (file-position s (mime-part-body-position p))
        (with-decoded-part-body-stream (b p s)
          (format t "~s~%" (read-line b nil)))
        (file-position s (mime-part-body-position p))
        (with-part-stream (b p s :header nil)
          (format t "~s~%" (read-line b nil)))
        (file-position s (mime-part-position p))
        (let (kept)
          (with-part-stream (b p s)
            (setf kept b)
            (format t "~s ~s~%" (read-line b nil) (open-stream-p b)))
          (format t "~s~%" (open-stream-p kept)))))))
"#
    ));
    assert_eq!(
        ok(&r),
        [
            "\"Zażółć gęślą jaźń\r\"",
            "\"Za=BF=F3=B3=E6 g=EA=B6l=B1 =\r\"",
            "\"Content-Type: text/plain; charset=\\\"iso-8859-2\\\"\r\" T",
            "NIL",
            "\"Hello, world!\"",
            "\"SGVsbG8s\r\"",
            "\"Content-Type: application/octet-stream\r\" T",
            "NIL",
            "\"日本語\r\"",
            "\"\u{93}\u{fa}\u{96}{\u{8c}\u{ea}\r\"",
            "\"Content-Type: text/plain; charset=shift_jis\r\" T",
            "NIL",
        ]
    );
}

#[test]
fn quoted_printable_and_base64_helpers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data.bin");
    let bytes: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
    std::fs::write(&data, &bytes).expect("write");
    let (b64, back) = (dir.path().join("b64.txt"), dir.path().join("back.bin"));
    let r = run(&format!(
        r#"
(format t "~s~%" (qp-decode-string "caf=C3=A9_au=20lait=ZZ="))
(format t "~s~%" (qp-decode-string "caf=E9_au" :external-format :latin1 :underscores-are-spaces t))
(format t "~s~%" (qp-decode-string "a=3D" :return :usb8))
(let ((v (string-to-octets (format nil "xx=41=~%B") :null-terminate nil)))
  (format t "~s~%" (multiple-value-list (qp-decode-usb8 v v :start1 2))))
(format t "~s~%" (handler-case (qp-decode-usb8 (string-to-octets "abc" :null-terminate nil)
                                               (make-array 2 :element-type '(unsigned-byte 8)))
                   (error (e) (princ-to-string e))))
(format t "~s~%" (substitute #\| #\Newline
                  (with-output-to-string (o)
                    (with-input-from-string (i (format nil "tab	~%~a" (make-string 80 :initial-element #\x)))
                      (qp-encode-stream i o :wrap-at 60)))))
(with-open-file (i {data:?} :element-type '(unsigned-byte 8))
  (with-open-file (o {b64:?} :direction :output :element-type '(unsigned-byte 8))
    (base64-encode-stream i o :wrap-at 64)))
(with-open-file (i {b64:?})
  (with-open-file (o {back:?} :direction :output :element-type '(unsigned-byte 8))
    (format t "~s~%" (base64-decode-stream i o))))
(format t "~s~%" (with-input-from-string (i "SGV*sbG8=")
                   (handler-case (base64-decode-stream i (make-broadcast-stream))
                     (error (e) (princ-to-string e)))))
"#
    ));
    let out = ok(&r);
    assert_eq!(out[0], "\"café_au lait=ZZ=\"");
    assert_eq!(out[1], "\"café au\"");
    assert_eq!(out[2], "#(97 61)");
    assert_eq!(
        out[3], "(#(65 66 61 52 49 61 10 66) 2)",
        "decoded in place, to index 0"
    );
    assert!(out[4].contains("Not enough room"), "{out:?}");
    assert_eq!(
        out[5],
        format!("\"tab=09|{}=|{}\"", "x".repeat(60), "x".repeat(20))
    );
    assert_eq!(out[6], "T");
    assert!(out[7].contains("not base64"), "{out:?}");
    let encoded = std::fs::read_to_string(&b64).expect("b64");
    assert!(encoded.lines().all(|l| l.len() <= 64), "{encoded}");
    assert_eq!(encoded.lines().count(), 1000_usize.div_ceil(3) * 4 / 64 + 1);
    assert_eq!(std::fs::read(&back).expect("back"), bytes);
}

/// `net.mail:valid-email-domain-p` against a loopback name server
/// (`SENDLETTER_NAMESERVER`): MX → T, address record → T, NXDOMAIN → NIL,
/// SERVFAIL → :UNKNOWN.
#[test]
fn valid_email_domain_p_asks_the_name_server() {
    use simple_dns::rdata::{RData, A, MX};
    use simple_dns::{Name, Packet, ResourceRecord, CLASS, QTYPE, RCODE, TYPE};
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    let addr = socket.local_addr().expect("addr");
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = [0u8; 1500];
        while let Ok((n, from)) = socket.recv_from(&mut buf) {
            let Ok(q) = Packet::parse(&buf[..n]) else {
                continue;
            };
            let question = q.questions[0].clone();
            let name = question.qname.to_string();
            let _ = tx.send(format!("{name} {:?}", question.qtype));
            let mut reply = Packet::new_reply(q.id());
            let rdata = match (name.as_str(), question.qtype) {
                ("mail.example.org", QTYPE::TYPE(TYPE::MX)) => Some(RData::MX(MX {
                    preference: 5,
                    exchange: Name::new_unchecked("mx.example.org"),
                })),
                ("web.example.org", QTYPE::TYPE(TYPE::A)) => Some(RData::A(A { address: 1 })),
                ("web.example.org", _) => None,
                ("broken.example.org", _) => {
                    *reply.rcode_mut() = RCODE::ServerFailure;
                    None
                }
                _ => {
                    *reply.rcode_mut() = RCODE::NameError;
                    None
                }
            };
            reply.questions.push(question);
            if let Some(r) = rdata {
                let owner = Name::new_unchecked(Box::leak(name.into_boxed_str()));
                reply
                    .answers
                    .push(ResourceRecord::new(owner, CLASS::IN, 60, r));
            }
            let _ = socket.send_to(&reply.build_bytes_vec().expect("reply"), from);
        }
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.lisp");
    std::fs::write(
        &path,
        "(require :rfc2822)\n(format t \"~s~%\" (mapcar #'net.mail:valid-email-domain-p \
         '(\"mail.example.org\" \"web.example.org\" \"nowhere.example.org\" \"broken.example.org\")))\n",
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_sendletter"))
        .arg(&path)
        .env("SENDLETTER_NAMESERVER", addr.to_string())
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.trim(), "(T T NIL :UNKNOWN)");
    let asked: Vec<String> = rx.try_iter().collect();
    assert_eq!(asked[0], "mail.example.org TYPE(MX)", "MX first: {asked:?}");
    assert!(
        asked.contains(&"web.example.org TYPE(A)".to_string()),
        "{asked:?}"
    );
}
