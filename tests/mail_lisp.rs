//! The net.post-office API from Lisp, under `--sink`: server forms, the
//! caller's list left alone, argument errors naming what was wrong, and
//! the MIME accessors and writers.

use std::process::Command;

fn run(script: &str) -> (String, String, Vec<serde_json::Value>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let sink = dir.path().join("sink");
    let path = dir.path().join("s.lisp");
    std::fs::write(&path, script).expect("write");
    std::fs::write(dir.path().join("notes.txt"), "some notes\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_sendletter"))
        .arg("--sink")
        .arg(&sink)
        .arg(&path)
        .current_dir(dir.path())
        .output()
        .expect("run");
    let mut records = Vec::new();
    for n in 1.. {
        let Ok(text) = std::fs::read_to_string(sink.join(format!("{n:06}.json"))) else {
            break;
        };
        records.push(serde_json::from_str(&text).expect("json"));
    }
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        records,
    )
}

#[test]
fn server_forms_reach_the_right_host_port_and_tls() {
    let (_, _, r) = run(r#"
(send-letter "mx.example.com" "a@b.c" "d@e.f" "1")
(send-letter "mx.example.com:2525" "a@b.c" "d@e.f" "2")
(send-letter 2130706433 "a@b.c" "d@e.f" "3")
(send-letter '("mx.example.com" . 587) "a@b.c" "d@e.f" "4")
(send-letter '("mx.example.com" :ssl t) "a@b.c" "d@e.f" "5")
(send-letter '("mx.example.com" :port 587 :starttls t :timeout 5 :auth :cram-md5) "a@b.c" "d@e.f" "6" :login "u" :password "p")
(send-letter '("mx.example.com" :starttls :if-available) "a@b.c" "d@e.f" "7")
(send-letter '(:program . "cat >/dev/null") "a@b.c" "d@e.f" "8")
"#);
    let got: Vec<String> = r
        .iter()
        .map(|j| match j["transport"].as_str() {
            Some("smtp") => format!(
                "{}:{} {} {}",
                j["server"]["host"].as_str().unwrap_or(""),
                j["server"]["port"],
                j["server"]["tls"].as_str().unwrap_or(""),
                j["auth_user"]
            ),
            _ => format!("program {}", j["program"]),
        })
        .collect();
    assert_eq!(
        got,
        [
            "mx.example.com:25 plain null",
            "mx.example.com:2525 plain null",
            "127.0.0.1:25 plain null",
            "mx.example.com:587 plain null",
            "mx.example.com:465 ssl null",
            "mx.example.com:587 starttls \"u\"",
            "mx.example.com:25 starttls null",
            "program \"cat >/dev/null\"",
        ]
    );
}

#[test]
fn the_callers_server_list_is_not_modified() {
    let (out, _, r) = run(r#"
(defvar *server* (list "mx.example.com" :port 2525 :ssl nil :verify nil))
(send-letter *server* "a@b.c" "d@e.f" "x")
(print *server*)
"#);
    assert_eq!(r.len(), 1);
    assert_eq!(
        out,
        "\n(\"mx.example.com\" :PORT 2525 :SSL NIL :VERIFY NIL) "
    );
}

#[test]
fn bad_arguments_are_errors_that_name_them() {
    let (out, _, r) = run(r#"
(defmacro try (form)
  `(handler-case (progn ,form (format t "accepted~%"))
     (error (c) (format t "~a~%" (substitute #\space #\newline (princ-to-string c))))))
(try (send-letter '("mx.example.com" :portt 25) "a@b.c" "d@e.f" "x"))
(try (send-letter '("mx.example.com" :port 70000) "a@b.c" "d@e.f" "x"))
(try (send-letter 'mx "a@b.c" "d@e.f" "x"))
(try (send-letter '(:program . ()) "a@b.c" "d@e.f" "x"))
(try (send-letter "mx.example.com" "a@b.c" "d@e.f" 42))
(try (send-letter "mx.example.com" "a@b.c" "d@e.f" "x" :colour "red"))
(try (send-letter "mx.example.com" "a@b.c" "d@e.f" "x" :login "u"))
(try (send-letter "mx.example.com" "a@b.c" '() "x"))
(try (send-letter "mx.example.com" "a@b.c" "<d@e.f>" "x"))
(try (send-letter "mx.example.com" "a@b.c" "d@e.f" "x" :attachments "missing.pdf"))
(try (make-mime-part :text "a" :file "notes.txt"))
(try (make-mime-part :content-type "textplain" :text "a"))
"#);
    assert!(r.is_empty(), "nothing may be delivered");
    let lines: Vec<&str> = out.lines().collect();
    let expect = [
        "unknown option :portt",
        "port must be an integer",
        "bad server MX",
        ":program",
        "42",
        ":COLOUR",
        ":login given without :password",
        "NIL",
        "<d@e.f>",
        "missing.pdf",
        "text",
        "textplain",
    ];
    assert_eq!(lines.len(), expect.len(), "{out}");
    for (line, want) in lines.iter().zip(expect) {
        assert!(
            line.contains(want) && !line.contains("accepted"),
            "{line:?} should mention {want:?}\n{out}"
        );
    }
}

#[test]
fn mime_parts_from_lisp() {
    let (out, _, r) = run(r#"
(require :mime)
(use-package :net.post-office)
(let* ((text (make-mime-part :text "hello" :id "<t1@x>" :description "greeting"))
       (file (make-mime-part :file "notes.txt"))
       (mixed (make-mime-part :subparts (list text file))))
  (format t "~a/~a ~a ~a ~a~%" (mime-part-type text) (mime-part-subtype text)
          (mime-part-encoding text) (mime-part-id text) (mime-part-description text))
  (format t "~a/~a ~a ~a~%" (mime-part-type file) (mime-part-subtype file)
          (mime-part-disposition file) (mime-part-disposition-name file))
  (format t "~a ~a ~a~%" (mime-part-p mixed) (mime-part-constructed-p "no")
          (length (mime-part-parts mixed)))
  (format t "~a~%" (assoc "charset" (mime-part-parameters text) :test #'string-equal))
  (with-mime-part-constructed-stream (s text)
    (format t "~a~%" (read-line s)))
  (let ((rendered (with-output-to-string (o) (mime-part-writer file :stream o))))
    (format t "~a~%" (search "c29tZSBub3Rlcwo=" rendered)))
  (send-letter "mx.example.com" "a@b.c" "d@e.f" mixed :subject "parts"))
"#);
    assert_eq!(r.len(), 1);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "text/plain 7bit <t1@x> greeting");
    assert_eq!(lines[1], "text/plain attachment notes.txt");
    assert_eq!(lines[2], "T NIL 2");
    assert_eq!(lines[3], "(charset . utf-8)");
    assert_eq!(lines[4], "MIME-Version: 1.0");
    assert!(lines[5].parse::<usize>().is_ok(), "{out}");
}

#[test]
fn send_smtp_auth_records_the_login() {
    let (_, _, r) = run(
        r#"(send-smtp-auth '("mx.example.com" :starttls t) "a@b.c" '("d@e.f" "g@h.i") "me" "pw" "Subject: raw" (format nil "~%~%body~%"))"#,
    );
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["auth_user"], "me");
    assert_eq!(r[0]["rcpt_tos"], serde_json::json!(["d@e.f", "g@h.i"]));
}
