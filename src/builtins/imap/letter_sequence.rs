//! `fetch-letter-sequence`, `end-of-letter-p` and the begin/end pair behind
//! `with-fetch-letter-sequence` (Allegro's imap.cl): a letter read into a
//! caller's string buffer piece by piece.
//!
//! IMAP asks for each piece with a partial fetch, `BODY[]<offset.length>`
//! (RFC 3501 §6.4.5), so only a buffer-full is ever held. The offset moves
//! by the length asked for, in the server's octets, as Allegro's does; a
//! piece can come back shorter (the line ends lose their CR), and the
//! letter is finished when a piece comes back empty.
//!
//! POP has no partial retrieval: `RETR` is answered whole (within the
//! 256 MiB answer limit), dot-unstuffed and with newline line ends, and
//! the pieces are served from that text.

use super::*;

#[derive(Default)]
pub(super) enum State {
    #[default]
    Idle,
    Imap {
        number: Value,
        uid: bool,
        offset: u64,
        finished: bool,
    },
    Pop {
        text: Vec<char>,
        next: usize,
    },
}

fn state_of(v: &Value) -> Option<&RefCell<State>> {
    match conn_of(v)? {
        Conn::Imap(c) => Some(&c.sequence),
        Conn::Pop(c) => Some(&c.sequence),
    }
}

fn mailbox_state<'a>(it: &mut Interp, v: &'a Value) -> LResult<&'a RefCell<State>> {
    match state_of(v) {
        Some(s) => Ok(s),
        None => type_err(
            it,
            v,
            "(OR NET.POST-OFFICE::IMAP-MAILBOX NET.POST-OFFICE::POP-MAILBOX)",
        ),
    }
}

/// `(begin-fetch-letter-sequence mb number &key uid)`.
pub(super) fn begin(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let state = mailbox_state(it, &a[0])?;
    let uid = uid_kw(it, &a[2..], "WITH-FETCH-LETTER-SEQUENCE")?;
    let new = match conn_of(&a[0]) {
        Some(Conn::Pop(_)) => {
            let n = pop_number(it, &a[1])?;
            let text = with_pop(it, &a[0], |s| s.command_multi(&format!("RETR {n}")))?;
            State::Pop {
                text: text.chars().collect(),
                next: 0,
            }
        }
        _ => {
            // Checked now, so that a bad number fails before any fetch.
            wire::message_set(it, &a[1])?;
            State::Imap {
                number: a[1].clone(),
                uid,
                offset: 0,
                finished: false,
            }
        }
    };
    *state.borrow_mut() = new;
    Ok(t())
}

/// `(end-fetch-letter-sequence mb)`.
pub(super) fn end(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let state = mailbox_state(it, &a[0])?;
    *state.borrow_mut() = State::Idle;
    Ok(t())
}

pub(super) fn end_of_letter_p(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let state = mailbox_state(it, &a[0])?;
    let done = match &*state.borrow() {
        State::Imap { finished, .. } => *finished,
        State::Pop { text, next } => *next >= text.len(),
        State::Idle => false,
    };
    Ok(Value::bool(done))
}

/// `(fetch-letter-sequence mb buffer &key start end)`.
pub(super) fn fetch_letter_sequence(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    const F: &str = "FETCH-LETTER-SEQUENCE";
    let state = mailbox_state(it, &a[0])?;
    let Value::String(buffer) = &a[1] else {
        return type_err(it, &a[1], "STRING");
    };
    let len = buffer.borrow().chars().count();
    let kws = args::keywords(it, &a[2..], &["START", "END"], F)?;
    let start = args::opt_index(it, args::kw(&kws, "START").as_ref())?.unwrap_or(0);
    let end = args::opt_index(it, args::kw(&kws, "END").as_ref())?.unwrap_or(len);
    if start > end || end > len {
        let msg = format!(
            "{F}: the bounding indices {start} and {end} are bad for a buffer of length {len}"
        );
        return it.simple_error(msg);
    }
    let want = end - start;
    let current = std::mem::take(&mut *state.borrow_mut());
    let (piece, next_state) = match current {
        State::Idle => {
            let msg = format!("{F}: no letter is being fetched (use with-fetch-letter-sequence)");
            return it.simple_error(msg);
        }
        State::Pop { text, next } => {
            let stop = (next + want).min(text.len());
            let piece: String = text[next..stop].iter().collect();
            (piece, State::Pop { text, next: stop })
        }
        State::Imap {
            number,
            uid,
            offset,
            finished,
        } => {
            let piece = imap_piece(it, &a[0], &number, uid, offset, want);
            let piece = match piece {
                Ok(p) => p,
                Err(e) => {
                    // The letter can be read on after a handled error.
                    *state.borrow_mut() = State::Imap {
                        number,
                        uid,
                        offset,
                        finished,
                    };
                    return Err(e);
                }
            };
            let finished = finished || (want > 0 && piece.is_empty());
            let next = State::Imap {
                number,
                uid,
                offset: offset + want as u64,
                finished,
            };
            (piece, next)
        }
    };
    *state.borrow_mut() = next_state;
    let got = piece.chars().count().min(want);
    {
        let mut b = buffer.borrow_mut();
        let mut chars: Vec<char> = b.chars().collect();
        for (slot, c) in chars[start..start + got].iter_mut().zip(piece.chars()) {
            *slot = c;
        }
        *b = chars.into_iter().collect();
    }
    Ok(Value::Fixnum((start + got) as i64))
}

/// One partial fetch: `BODY[]<offset.length>` of message `number`.
fn imap_piece(
    it: &mut Interp,
    mb: &Value,
    number: &Value,
    uid: bool,
    offset: u64,
    want: usize,
) -> LResult<String> {
    if want == 0 {
        return Ok(String::new());
    }
    let set = wire::message_set(it, number)?;
    let section = format!("body[]<{offset}.{want}>");
    let r = with_imap(it, mb, |s| s.fetch(&set, &section, uid))?;
    let info = fetch_value(&r);
    let mut args = vec![
        number.clone(),
        Value::string(format!("body[]<{offset}>")),
        info,
    ];
    if uid {
        args.push(Value::Symbol(keyword("UID")));
        args.push(t());
    }
    Ok(match fetch_field(it, &args)? {
        Value::String(s) => s.borrow().to_string(),
        _ => String::new(),
    })
}
