//! The IMAP and POP clients against a real server: Dovecot on loopback,
//! over plain TCP, STARTTLS/STLS and implicit TLS, with the mailbox state
//! checked afterwards by an independent client (Python's imaplib/poplib).
//!
//! `scripts/test-servers/ci_dovecot_up.sh WORKDIR` starts the server and
//! writes `WORKDIR/dovecot.env`; `scripts/test` runs it and sets
//! `SENDLETTER_DOVECOT_ENV`. By hand:
//!
//! ```sh
//! scripts/test-servers/ci_dovecot_up.sh /tmp/sl-dovecot
//! SENDLETTER_DOVECOT_ENV=/tmp/sl-dovecot/dovecot.env cargo test --test imap_interop
//! scripts/test-servers/ci_dovecot_down.sh /tmp/sl-dovecot
//! ```
//!
//! Without `SENDLETTER_DOVECOT_ENV` every test fails (so CI never passes
//! without a real server), unless `SENDLETTER_SKIP_INTEROP=1`. Each test
//! logs in as its own account (`t01` … `t40`), so tests run in parallel.

use std::collections::HashMap;
use std::fs;
use std::process::Command;

struct Env(HashMap<String, String>);

impl Env {
    fn get(&self, key: &str) -> String {
        self.0
            .get(key)
            .cloned()
            .unwrap_or_else(|| panic!("{key} missing from dovecot.env"))
    }
}

fn env() -> Option<Env> {
    let path = match std::env::var("SENDLETTER_DOVECOT_ENV") {
        Ok(p) => p,
        Err(_) if std::env::var("SENDLETTER_SKIP_INTEROP").as_deref() == Ok("1") => {
            eprintln!("interop tests skipped: SENDLETTER_SKIP_INTEROP=1");
            return None;
        }
        Err(_) => panic!(
            "SENDLETTER_DOVECOT_ENV is not set: run the tests via scripts/test, which starts \
             Dovecot (scripts/test-servers/ci_dovecot_up.sh WORKDIR) and points \
             SENDLETTER_DOVECOT_ENV at WORKDIR/dovecot.env; set SENDLETTER_SKIP_INTEROP=1 to skip"
        ),
    };
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let map = text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Some(Env(map))
}

/// Python helpers: `imap()` and `pop()` log in as USER over verified TLS.
const PY_PRELUDE: &str = r#"
import imaplib, poplib, ssl, os, sys
E = os.environ
ctx = ssl.create_default_context(cafile=E["CA"])
def imap():
    m = imaplib.IMAP4_SSL("127.0.0.1", int(E["IMAPS_PORT"]), ssl_context=ctx)
    m.login(E["USER"], "secret")
    return m
def pop():
    p = poplib.POP3_SSL("127.0.0.1", int(E["POP3S_PORT"]), context=ctx)
    p.user(E["USER"]); p.pass_("secret")
    return p
def append(m, box, text):
    typ, _ = m.append(box, None, None, text.replace("\n", "\r\n").encode())
    assert typ == "OK", typ
"#;

/// Run Python code as the independent client; its stdout.
fn python(env: &Env, user: &str, code: &str) -> String {
    let out = Command::new("python3")
        .arg("-c")
        .arg(format!("{PY_PRELUDE}\n{code}"))
        .env("CA", env.get("DOVECOT_CA"))
        .env("IMAPS_PORT", env.get("IMAPS_PORT"))
        .env("POP3S_PORT", env.get("POP3S_PORT"))
        .env("USER", user)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "python failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Put `letters` into USER's INBOX (IMAP APPEND) after emptying it.
fn seed(env: &Env, user: &str, letters: &[&str]) {
    let mut code = String::from(
        "m = imap()\ntyp, n = m.select('INBOX')\nif int(n[0]):\n    m.store('1:*', '+FLAGS', '(\\\\Deleted)')\n    m.expunge()\n",
    );
    for l in letters {
        code.push_str(&format!("append(m, 'INBOX', {l:?})\n"));
    }
    code.push_str("m.logout()\n");
    python(env, user, &code);
}

const LETTER1: &str = "From: Alice <alice@example.org>\nTo: me@example.org\nSubject: first test\nMessage-ID: <1@example.org>\n\nmessage number 1\nsecond line\n";
const LETTER2: &str = "From: Bob <bob@example.org>\nTo: me@example.org\nSubject: =?utf-8?q?caf=C3=A9?=\n\nhello blitzfig\n.dot line\n";
const LETTER3: &str =
    "From: Carol <carol@example.org>\nTo: me@example.org\nSubject: third\n\nthird body\n";

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// Run a Lisp script with `sendletter`; `{IMAP}` etc. in it are replaced
/// by the host forms of this server.
fn lisp(env: &Env, user: &str, script: &str, extra: &[&str]) -> Run {
    let ca = env.get("DOVECOT_CA");
    let forms = [
        ("{USER}", format!("{user:?}")),
        (
            "{IMAP}",
            format!("'(\"localhost\" :port {})", env.get("IMAP_PORT")),
        ),
        (
            "{IMAP-STARTTLS}",
            format!(
                "'(\"localhost\" :port {} :starttls t :ca-file {ca:?})",
                env.get("IMAP_PORT")
            ),
        ),
        (
            "{IMAPS}",
            format!(
                "'(\"localhost\" :port {} :ssl t :ca-file {ca:?})",
                env.get("IMAPS_PORT")
            ),
        ),
        (
            "{POP}",
            format!("'(\"localhost\" :port {})", env.get("POP3_PORT")),
        ),
        (
            "{POP-STARTTLS}",
            format!(
                "'(\"localhost\" :port {} :starttls t :ca-file {ca:?})",
                env.get("POP3_PORT")
            ),
        ),
        (
            "{POPS}",
            format!(
                "'(\"localhost\" :port {} :ssl t :ca-file {ca:?})",
                env.get("POP3S_PORT")
            ),
        ),
        ("{IMAP-PORT}", env.get("IMAP_PORT")),
        ("{IMAPS-PORT}", env.get("IMAPS_PORT")),
        ("{POP3-PORT}", env.get("POP3_PORT")),
    ];
    let mut text = format!("(require :imap)\n(use-package :net.post-office)\n{script}");
    for (k, v) in &forms {
        text = text.replace(k, v);
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("script.lisp");
    fs::write(&file, &text).expect("write script");
    let out = Command::new(env!("CARGO_BIN_EXE_sendletter"))
        .args(extra)
        .arg(&file)
        .output()
        .expect("sendletter runs");
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn expect_ok(r: &Run) -> &str {
    assert!(
        r.ok,
        "script failed:\nstdout: {}\nstderr: {}",
        r.stdout, r.stderr
    );
    &r.stdout
}

/// The lines the script printed with `(format t "~s~%" …)`.
fn lines(s: &str) -> Vec<&str> {
    s.lines().filter(|l| !l.is_empty()).collect()
}

#[test]
fn imap_plain_reads_a_mailbox() {
    let Some(env) = env() else { return };
    seed(&env, "t01", &[LETTER1, LETTER2]);
    let r = lisp(
        &env,
        "t01",
        r#"
(with-imap-connection (mb {IMAP} :user {USER} :password "secret")
  (format t "~s~%" (mailbox-separator mb))
  (format t "~s~%" (select-mailbox mb "INBOX"))
  (format t "~s~%" (list (mailbox-message-count mb) (mailbox-recent-messages mb)
                         (plusp (mailbox-uidvalidity mb)) (> (mailbox-uidnext mb) 2)))
  (format t "~s~%" (member :\\seen (mailbox-flags mb)))
  (format t "~s~%" (fetch-letter mb 1))
  (let* ((info (fetch-parts mb 2 "(envelope flags uid body[1])"))
         (env (fetch-field 2 "envelope" info)))
    (format t "~s~%" (list (envelope-subject env)
                           (address-mailbox (first (envelope-from env)))
                           (address-host (first (envelope-from env)))
                           (address-name (first (envelope-from env)))
                           (fetch-field 2 "BODY[1]" info))))
  (format t "~s~%" (mapcar #'first (fetch-parts mb '(:seq 1 2) "uid")))
  (format t "~s~%" (search-mailbox mb '(:body "blitzfig")))
  (format t "~s~%" (search-mailbox mb '(or (:subject "first") (:from "bob"))))
  (format t "~s~%" (search-mailbox mb '(and :all (not (:from "alice")))))
  (format t "~s~%" (length (search-mailbox mb :all :uid t)))
  (format t "~s~%" (mapcar #'mailbox-list-name (mailbox-list mb :pattern "*")))
  (format t "~s~%" (noop mb)))
"#,
        &[],
    );
    let out = expect_ok(&r);
    let l = lines(out);
    assert_eq!(l[0], "\"/\"", "{out}");
    assert_eq!(l[1], "T");
    // RECENT depends on which session saw the messages first.
    assert!(l[2].starts_with("(2 ") && l[2].ends_with(" T T)"), "{out}");
    assert!(l[3].starts_with('('), "{out}");
    assert!(
        out.contains("\"From: Alice <alice@example.org>\nTo: me@example.org\nSubject: first test\nMessage-ID: <1@example.org>\n\nmessage number 1\nsecond line\n\""),
        "fetch-letter: CRs removed, LF line ends: {out}"
    );
    assert!(
        out.contains("(\"=?utf-8?q?caf=C3=A9?=\" \"bob\" \"example.org\" \"Bob\" \"hello blitzfig\n.dot line\n\")"),
        "{out}"
    );
    let tail: Vec<&str> = l[l.len() - 7..].to_vec();
    assert_eq!(tail[0], "(2 1)", "fetch-parts is newest first: {out}");
    assert_eq!(tail[1], "(2)");
    assert_eq!(tail[2], "(1 2)");
    assert_eq!(tail[3], "(2)");
    assert_eq!(tail[4], "2");
    assert_eq!(tail[5], "(\"INBOX\")");
    assert_eq!(tail[6], "NIL");
}

#[test]
fn imap_starttls_changes_are_seen_by_imaplib() {
    let Some(env) = env() else { return };
    seed(&env, "t02", &[LETTER1, LETTER2, LETTER3]);
    python(
        &env,
        "t02",
        "m = imap()\nfor b in ('archive', 'renamed'):\n    m.delete(b)\nm.logout()\n",
    );
    let r = lisp(
        &env,
        "t02",
        r#"
(with-imap-connection (mb {IMAP-STARTTLS} :user {USER} :password "secret")
  (select-mailbox mb "INBOX")
  (format t "~s~%" (create-mailbox mb "archive"))
  (format t "~s~%" (copy-to-mailbox mb '(1 3) "archive"))
  (format t "~s~%" (mapcar #'first (alter-flags mb 2 :add-flags :\\flagged)))
  (format t "~s~%" (fetch-field 1 "FLAGS" (alter-flags mb 1 :add-flags '(:\\seen :\\answered))))
  (format t "~s~%" (fetch-field 1 "FLAGS" (alter-flags mb 1 :remove-flags :\\answered)))
  (format t "~s~%" (delete-letter mb 3))
  (format t "~s~%" (mailbox-message-count mb))
  (format t "~s~%" (rename-mailbox mb "archive" "renamed")))
"#,
        &[],
    );
    let out = expect_ok(&r);
    let l = lines(out);
    assert_eq!(l[0], "T", "{out}");
    assert_eq!(l[1], "T");
    assert_eq!(l[2], "(2)");
    assert!(l[3].contains("SEEN") && l[3].contains("ANSWERED"), "{out}");
    assert!(l[4].contains("SEEN") && !l[4].contains("ANSWERED"), "{out}");
    assert_eq!(l[5], "(3)", "delete-letter returns expunge's numbers");
    assert_eq!(l[6], "2");
    assert_eq!(l[7], "NIL");
    let state = python(
        &env,
        "t02",
        r#"
m = imap()
typ, boxes = m.list()
print(sorted(b.decode().split(' "/" ')[-1] for b in boxes))
typ, n = m.select('renamed')
typ, s = m.search(None, 'ALL')
typ, d = m.fetch('1:*', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
print(n[0].decode(), sorted(x[1].decode().strip() for x in d if isinstance(x, tuple)))
typ, n = m.select('INBOX')
typ, f = m.fetch('1:*', '(FLAGS)')
print(n[0].decode(), [x.decode() for x in f])
m.logout()
"#,
    );
    let s = lines(&state);
    assert_eq!(s[0], "['INBOX', 'renamed']", "{state}");
    assert_eq!(
        s[1], "2 ['Subject: first test', 'Subject: third']",
        "{state}"
    );
    assert!(s[2].starts_with("2 ["), "{state}");
    assert!(
        s[2].contains("1 (FLAGS (\\\\Seen))") || s[2].contains("1 (FLAGS (\\Seen))"),
        "{state}"
    );
    assert!(s[2].contains("\\Flagged"), "{state}");
    // delete-mailbox
    let r = lisp(
        &env,
        "t02",
        "(with-imap-connection (mb {IMAPS} :user {USER} :password \"secret\")\n  (format t \"~s~%\" (delete-mailbox mb \"renamed\")))",
        &[],
    );
    assert_eq!(lines(expect_ok(&r)), ["NIL"]);
    let state = python(
        &env,
        "t02",
        "m = imap()\nprint(len(m.list()[1]))\nm.logout()\n",
    );
    assert_eq!(state.trim(), "1");
}

#[test]
fn imap_implicit_tls_and_its_failures() {
    let Some(env) = env() else { return };
    seed(&env, "t03", &[LETTER3]);
    let r = lisp(
        &env,
        "t03",
        r#"
(format t "~s~%" (close-connection (make-imap-connection '("localhost" . {IMAP-PORT}) :user {USER} :password "secret")))
(let ((mb (make-imap-connection {IMAPS} :user {USER} :password "secret")))
  (select-mailbox mb "INBOX")
  (format t "~s~%" (fetch-letter mb (first (search-mailbox mb :all :uid t)) :uid t))
  (format t "~s~%" (close-connection mb)))
(format t "~s~%"
  (handler-case (make-imap-connection '("localhost" :port {IMAPS-PORT} :ssl t) :user {USER} :password "secret")
    (po-error (e) (po-condition-identifier e))))
(format t "~s~%"
  (handler-case (make-imap-connection {IMAP} :user {USER} :password "wrong")
    (po-error (e) (list (po-condition-identifier e) (po-condition-server-string e)))))
(format t "~s~%"
  (handler-case (with-imap-connection (mb {IMAP} :user {USER} :password "secret")
                  (select-mailbox mb "no such box"))
    (po-error (e) (po-condition-identifier e))))
"#,
        &[],
    );
    let out = expect_ok(&r);
    let l = lines(out);
    assert_eq!(l[0], "T", "the (host . port) form: {out}");
    assert!(out.contains("Subject: third\n\nthird body\n\""), "{out}");
    assert_eq!(l[l.len() - 4], "T", "{out}");
    assert_eq!(
        l[l.len() - 3],
        ":TLS-FAILED",
        "certificate not trusted: {out}"
    );
    assert!(
        l[l.len() - 2].starts_with("(:ERROR-RESPONSE \"[AUTHENTICATIONFAILED]"),
        "{out}"
    );
    assert_eq!(l[l.len() - 1], ":PROBLEM", "{out}");
}

#[test]
fn imap_no_cleartext_password_to_a_remote_name_and_redacted_traces() {
    let Some(env) = env() else { return };
    seed(&env, "t04", &[LETTER1]);
    let port = env.get("IMAP_PORT");
    let route = format!("mail.example.test:{port}:127.0.0.1:{port}");
    let r = lisp(
        &env,
        "t04",
        r#"
(format t "~s~%"
  (handler-case (make-imap-connection '("mail.example.test" :port {IMAP-PORT}) :user {USER} :password "secret")
    (po-error (e) (po-condition-identifier e))))
(setq net.post-office::*debug-imap* t)
(with-imap-connection (mb '("mail.example.test" :port {IMAP-PORT} :allow-insecure-auth t)
                          :user {USER} :password "secret")
  (format t "~s~%" (select-mailbox mb "INBOX")))
"#,
        &["--connect-to", &route],
    );
    let out = expect_ok(&r);
    let l = lines(out);
    assert_eq!(l[0], ":INSECURE-LOGIN", "{out}");
    assert!(out.contains("login \"t04\" \"<redacted>\""), "{out}");
    assert!(
        !out.contains("secret"),
        "the password must not be traced: {out}"
    );
    assert!(out.contains("from server: * OK [UIDVALIDITY"), "{out}");
}

#[test]
fn imap_starttls_is_never_skipped() {
    let Some(env) = env() else { return };
    // POP's port speaks no IMAP: the greeting is refused before any login.
    let r = lisp(
        &env,
        "t05",
        r#"
(format t "~s~%"
  (handler-case (make-imap-connection '("localhost" :port {POP3-PORT} :starttls t) :user {USER} :password "secret" :timeout 5)
    (po-error (e) (po-condition-identifier e))))
"#,
        &[],
    );
    assert_eq!(lines(expect_ok(&r)), [":ERROR-RESPONSE"]);
}

#[test]
fn pop_plain_reads_deletes_and_resets() {
    let Some(env) = env() else { return };
    seed(&env, "t06", &[LETTER1, LETTER2, LETTER3]);
    let r = lisp(
        &env,
        "t06",
        r#"
(with-pop-connection (pb {POP} :user {USER} :password "secret")
  (format t "~s~%" (mailbox-message-count pb))
  (format t "~s~%" (fetch-letter pb 2))
  (format t "~s~%" (top-lines pb 1 0))
  (format t "~s~%" (length (unique-id pb)))
  (format t "~s~%" (equal (unique-id pb 1) (let ((id (second (first (unique-id pb)))))
                                               (if (every #'digit-char-p id) (parse-integer id) id))))
  (format t "~s~%" (delete-letter pb '(:seq 2 3)))
  (format t "~s~%" (length (unique-id pb)))
  (format t "~s~%" (handler-case (fetch-letter pb 2)
                     (po-error (e) (list (po-condition-identifier e) (po-condition-server-string e)))))
  (format t "~s~%" (reset-mailbox pb))
  (format t "~s~%" (noop pb))
  (format t "~s~%" (delete-letter pb 1)))
"#,
        &[],
    );
    let out = expect_ok(&r);
    let l = lines(out);
    assert_eq!(l[0], "3", "{out}");
    assert!(
        out.contains("Subject: =?utf-8?q?caf=C3=A9?=\n\nhello blitzfig\n.dot line\n\""),
        "RETR: dot-unstuffed, CRs removed: {out}"
    );
    assert!(
        out.contains("Subject: first test\nMessage-ID: <1@example.org>\n\n\""),
        "TOP 1 0: {out}"
    );
    let tail: Vec<&str> = l[l.len() - 8..].to_vec();
    assert_eq!(tail[0], "3", "{out}");
    assert_eq!(tail[1], "T");
    assert_eq!(tail[2], "NIL");
    assert_eq!(tail[3], "1");
    assert!(tail[4].starts_with("(:ERROR-RESPONSE \""), "{out}");
    assert_eq!(tail[5], "NIL");
    assert_eq!(tail[6], "3", "RSET undid the deletions");
    assert_eq!(tail[7], "NIL");
    let left = python(&env, "t06", "p = pop()\nprint(p.stat()[0])\np.quit()\n");
    assert_eq!(left.trim(), "2", "QUIT committed one deletion");
}

#[test]
fn pop_over_stls_and_implicit_tls() {
    let Some(env) = env() else { return };
    seed(&env, "t07", &[LETTER1, LETTER2]);
    let r = lisp(
        &env,
        "t07",
        r#"
(with-pop-connection (pb {POP-STARTTLS} :user {USER} :password "secret")
  (format t "~s~%" (mailbox-message-count pb))
  (delete-letter pb 1))
(with-pop-connection (pb {POPS} :user {USER} :password "secret")
  (format t "~s~%" (mailbox-message-count pb))
  (format t "~s~%" (search "blitzfig" (fetch-letter pb 1))))
(format t "~s~%"
  (handler-case (make-pop-connection {POP} :user {USER} :password "nope")
    (po-error (e) (po-condition-identifier e))))
(format t "~s~%"
  (handler-case (make-pop-connection '("localhost" :port {IMAP-PORT} :starttls t) :user {USER} :password "secret" :timeout 5)
    (po-error (e) (po-condition-identifier e))))
"#,
        &[],
    );
    let out = expect_ok(&r);
    let at = LETTER2.find("blitzfig").unwrap().to_string();
    assert_eq!(
        lines(out),
        ["2", "1", &at, ":ERROR-RESPONSE", ":ERROR-RESPONSE"],
        "{out}"
    );
    let left = python(&env, "t07", "p = pop()\nprint(p.stat()[0])\np.quit()\n");
    assert_eq!(left.trim(), "1");
}

#[test]
fn the_answer_unseen_example_reads_answers_and_flags() {
    let Some(env) = env() else { return };
    seed(&env, "t08", &[LETTER1, LETTER2]);
    python(
        &env,
        "t08",
        "m = imap()\nm.select('INBOX')\nm.store('1', '+FLAGS', '(\\\\Seen)')\nm.logout()\n",
    );
    let sink = tempfile::tempdir().expect("sink dir");
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/answer-unseen.lisp");
    let out = Command::new(env!("CARGO_BIN_EXE_sendletter"))
        .arg("--sink")
        .arg(sink.path())
        .arg(example)
        .env("IMAP_HOST", "localhost")
        .env("IMAP_PORT", env.get("IMAPS_PORT"))
        .env("IMAP_CA_FILE", env.get("DOVECOT_CA"))
        .env("IMAP_USER", "t08")
        .env("IMAP_PASSWORD", "secret")
        .output()
        .expect("sendletter runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout, "bob@example.org: café\n");
    let record = fs::read_to_string(sink.path().join("000001.json")).expect("one answer");
    assert!(record.contains("bob@example.org"), "{record}");
    assert!(!sink.path().join("000002.json").exists());
    let flags = python(&env, "t08", "m = imap()\nm.select('INBOX')\nprint(m.fetch('2', '(FLAGS)')[1][0].decode())\nm.logout()\n");
    assert!(
        flags.contains("\\Answered") && flags.contains("\\Seen"),
        "{flags}"
    );
}

#[test]
fn read_only_changes_nothing_on_the_server() {
    let Some(env) = env() else { return };
    seed(&env, "t09", &[LETTER1, LETTER2]);
    let r = lisp(
        &env,
        "t09",
        r#"
(with-imap-connection (mb {IMAP} :user {USER} :password "secret")
  (select-mailbox mb "INBOX")
  (format t "~s~%" (length (fetch-letter mb 1)))
  (dolist (f (list (lambda () (delete-letter mb 1))
                   (lambda () (alter-flags mb 2 :add-flags :\\flagged))
                   (lambda () (expunge-mailbox mb))
                   (lambda () (copy-to-mailbox mb 1 "INBOX"))
                   (lambda () (create-mailbox mb "x"))))
    (format t "~s~%" (handler-case (funcall f) (po-error (e) (po-condition-identifier e))))))
(with-pop-connection (pb {POP} :user {USER} :password "secret")
  (format t "~s~%" (handler-case (delete-letter pb 1) (po-error (e) (po-condition-identifier e)))))
"#,
        &["--read-only"],
    );
    let out = expect_ok(&r);
    let l = lines(out);
    assert_eq!(l[0], LETTER1.len().to_string(), "{out}");
    assert!(
        l[1..].iter().all(|x| *x == ":READ-ONLY") && l.len() == 7,
        "{out}"
    );
    let state = python(
        &env,
        "t09",
        "m = imap()\ntyp, n = m.select('INBOX', readonly=True)\nprint(n[0].decode(), m.fetch('1:*', '(FLAGS)')[1])\nm.logout()\n",
    );
    assert!(state.starts_with("2 "), "{state}");
    assert!(
        !state.contains("Seen") && !state.contains("Flagged"),
        "EXAMINE kept \\Seen unset: {state}"
    );
}

/// `with-fetch-letter-sequence`: a letter read in pieces of 7 characters
/// equals the letter `fetch-letter` returns, over IMAP (partial fetches)
/// and POP, and `end-of-letter-p` turns true at the end.
#[test]
fn fetch_letter_sequence_reads_the_letter_in_pieces() {
    let Some(env) = env() else { return };
    seed(&env, "t20", &[LETTER1, LETTER2]);
    let script = r#"
(defun pieces (mb n)
  (let ((buf (make-string 7)) (parts '()) (calls 0))
    (with-fetch-letter-sequence (mb n)
      (loop until (end-of-letter-p mb)
            do (let ((end (fetch-letter-sequence mb buf)))
                 (incf calls)
                 (push (subseq buf 0 end) parts))))
    (list (apply #'concatenate 'string (reverse parts)) (> calls 3))))
(with-imap-connection (mb {IMAP} :user {USER} :password "secret")
  (select-mailbox mb "INBOX")
  (destructuring-bind (text many) (pieces mb 2)
    (format t "~s ~s~%" (string= text (fetch-letter mb 2)) many))
  (let ((buf (make-string 10 :initial-element #\-)))
    (with-fetch-letter-sequence (mb 1)
      (format t "~s ~s~%" (fetch-letter-sequence mb buf :start 4 :end 9) buf))))
(with-pop-connection (pb {POP} :user {USER} :password "secret")
  (destructuring-bind (text many) (pieces pb 2)
    (format t "~s ~s~%" (string= text (fetch-letter pb 2)) many))
  (format t "~s~%" (handler-case (fetch-letter-sequence pb (make-string 3))
                     (error (e) (princ-to-string e)))))
"#;
    let r = lisp(&env, "t20", script, &[]);
    let out = expect_ok(&r);
    let l = lines(out);
    assert_eq!(l[0], "T T", "IMAP pieces: {out}");
    assert_eq!(l[1], "9 \"----From:-\"", "IMAP :start/:end: {out}");
    assert_eq!(l[2], "T T", "POP pieces: {out}");
    assert!(l[3].contains("no letter is being fetched"), "{out}");
}
