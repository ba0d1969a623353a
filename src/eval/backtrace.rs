//! Backtraces: each active call with the place of the call it is
//! executing now. The interpreter keeps the address of the call form
//! being executed (`Interp::current_at`, saved and restored around each
//! call, nothing allocated), and each frame keeps the address its caller
//! was at; the place is looked up in the reader's side table
//! (`reader/positions.rs`) only when an error takes the backtrace, so the
//! normal path pays a load and two stores per call.

use super::{Interp, Value};
use crate::reader::positions::{self, Place};

/// One active call on `Interp::call_stack`.
pub struct CallFrame {
    /// The function's name (`LAMBDA` for an anonymous one).
    pub name: Value,
    /// `Interp::current_at` when the frame was entered: the call its
    /// caller is executing; its low bit set for a builtin's frame (no
    /// cons is at an odd address).
    caller_at: usize,
}

impl CallFrame {
    /// The frame of a function defined in Lisp, entered while the caller
    /// was at `caller_at`.
    #[inline(always)]
    pub fn lisp(name: Value, caller_at: usize) -> Self {
        CallFrame { name, caller_at }
    }

    /// The frame of a builtin.
    #[inline(always)]
    pub fn native(name: Value, caller_at: usize) -> Self {
        CallFrame {
            name,
            caller_at: caller_at | 1,
        }
    }

    fn is_native(&self) -> bool {
        self.caller_at & 1 == 1
    }

    fn caller_at(&self) -> usize {
        self.caller_at & !1
    }
}

/// One line of a backtrace: a function, where it stands, and how many
/// consecutive frames of it (recursion) the line stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BacktraceFrame {
    pub name: String,
    pub place: Option<Place>,
    pub repeats: usize,
    /// A builtin's frame, running no code read from source.
    pub native: bool,
    /// The call-stack depth of the (innermost) frame: 1 for the outermost.
    pub depth: usize,
}

impl std::fmt::Display for BacktraceFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.name)?;
        if self.repeats > 1 {
            write!(f, " (x{})", self.repeats)?;
        }
        if let Some(p) = &self.place {
            write!(
                f,
                " at {}:{}:{}",
                p.file.as_deref().unwrap_or("<input>"),
                p.line,
                p.column
            )?;
        }
        Ok(())
    }
}

/// Lines kept: the innermost frames say where the error is.
const MAX_LINES: usize = 12;

impl Interp {
    /// The backtrace of the calls active now, innermost first. Runs of
    /// one function (recursion) collapse: the innermost frame of a run
    /// keeps its own line, the rest share one with a count.
    pub fn backtrace_now(&self) -> Vec<BacktraceFrame> {
        let mut lines: Vec<BacktraceFrame> = Vec::new();
        let frames = &self.call_stack;
        for (i, frame) in frames.iter().enumerate().rev() {
            let name = crate::printer::prin1_to_string(&frame.name);
            let native = frame.is_native();
            // Where this frame is: where its callee was called from; the
            // innermost frame is at the interpreter's current call, unless
            // that is still the call that entered it (it is in none).
            let at = match frames.get(i + 1) {
                Some(callee) => callee.caller_at(),
                None if self.current_at != frame.caller_at() => self.current_at,
                None => 0,
            };
            let place = if native {
                None
            } else {
                positions::at_address(at)
            };
            let n = lines.len();
            if n > 0 {
                let run_continues = n >= 2 && lines[n - 2].name == name;
                let last = &mut lines[n - 1];
                if last.name == name && (last.place == place || run_continues) {
                    last.repeats += 1;
                    continue;
                }
            }
            if lines.len() >= MAX_LINES {
                break;
            }
            lines.push(BacktraceFrame {
                name,
                place,
                repeats: 1,
                native,
                depth: i + 1,
            });
        }
        lines
    }
}

/// After the error has unwound: the innermost frame's place becomes the
/// innermost form read from source the error left in that frame
/// (`placed`: the place and the frame's depth), which is inside the call
/// the frame was executing, or names the primitive call or variable
/// reference that failed when it was in none.
pub fn refine_innermost(frames: &mut [BacktraceFrame], placed: Option<(Place, usize)>) {
    let (Some(first), Some((place, depth))) = (frames.first_mut(), placed) else {
        return;
    };
    if first.repeats == 1 && !first.native && first.depth == depth {
        first.place = Some(place);
    }
}
