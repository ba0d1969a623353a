//! The pretty-printing stream (CLHS 22.2): logical blocks, conditional
//! newlines, indentation and tabs laid out as SBCL's `sb-pretty` does.
//!
//! This is a port of the algorithm SBCL inherited from CMU CL (Waters's
//! XP): text goes into a buffer, operations into a queue with their
//! buffer positions; whenever a newline is queued or the buffer runs past
//! the line, the queue is scanned and every decision that can be made is
//! made (a block that fits is emitted as one literal, a section that
//! cannot fit takes its newline). Columns are computed from the positions,
//! so the output is the same however the text arrives.

use std::collections::VecDeque;
use std::io;
use std::rc::Rc;

use crate::eval::stream::Stream;
use crate::eval::Value;

/// SBCL's line length when `*print-right-margin*` is unset.
pub const DEFAULT_LINE_LENGTH: usize = 80;

/// The initial buffer size: SBCL decides at this granularity whether a
/// long line must be emitted in part.
const INITIAL_BUFFER_SIZE: usize = 128;

/// The kinds of `pprint-newline` (CLHS 22.2.1.1) plus the literal
/// newline written as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewlineKind {
    Linear,
    Fill,
    Miser,
    Mandatory,
    Literal,
}

/// The kinds of `pprint-tab` (CLHS 22.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TabKind {
    Line,
    LineRelative,
    Section,
    SectionRelative,
}

/// A queued operation's payload.
#[derive(Debug)]
enum OpKind {
    Newline {
        kind: NewlineKind,
        depth: usize,
        section_end: Option<i64>,
    },
    Indent {
        block: bool,
        amount: i64,
    },
    BlockStart {
        depth: usize,
        section_end: Option<i64>,
        /// The id of the matching block end, once known.
        block_end: Option<u64>,
        prefix: Option<Vec<char>>,
        suffix: Vec<char>,
    },
    BlockEnd,
    Tab {
        section: bool,
        relative: bool,
        colnum: i64,
        colinc: i64,
    },
}

#[derive(Debug)]
struct Op {
    id: u64,
    posn: i64,
    kind: OpKind,
}

#[derive(Clone, Debug, Default)]
struct LogicalBlock {
    start_column: i64,
    section_column: i64,
    per_line_prefix_end: i64,
    prefix_length: i64,
    suffix_length: i64,
    section_start_line: usize,
}

/// A block started but not yet ended (`pending-blocks`).
struct Pending {
    id: u64,
    suffix: Vec<char>,
}

/// SBCL's `pretty-stream`, writing to `target`.
pub struct PrettyStream {
    pub target: Rc<Stream>,
    line_length: i64,
    buffer: Vec<char>,
    /// SBCL's buffer length: output is forced only when it is full.
    capacity: usize,
    buffer_offset: i64,
    buffer_start_column: i64,
    line_number: usize,
    print_lines: Option<usize>,
    blocks: Vec<LogicalBlock>,
    prefix: Vec<char>,
    /// The active suffixes, innermost first, stored reversed so a new
    /// block's suffix is pushed at the end.
    suffix_rev: Vec<char>,
    queue: VecDeque<Op>,
    next_id: u64,
    pending: Vec<Pending>,
    /// `*print-lines*` was reached: the rest is dropped (SBCL throws).
    pub aborted: bool,
    /// The first error writing to the target.
    error: Option<io::Error>,
}

/// A printer variable's value when it is a non-negative fixnum.
fn count_of(var: crate::eval::value::Sym) -> Option<i64> {
    match var.value.borrow().as_ref() {
        Some(Value::Fixnum(n)) if *n >= 0 => Some(*n),
        _ => None,
    }
}

/// `*print-right-margin*`, or SBCL's default line length.
pub fn line_length() -> usize {
    count_of(crate::eval::package::cl_var!("*PRINT-RIGHT-MARGIN*"))
        .map(|n| n as usize)
        .unwrap_or(DEFAULT_LINE_LENGTH)
}

fn readably() -> bool {
    crate::eval::package::cl_var!("*PRINT-READABLY*")
        .value
        .borrow()
        .clone()
        .is_some_and(|v| v.truthy())
}

impl PrettyStream {
    /// A pretty stream over `target`, starting at its current column.
    pub fn new(target: Rc<Stream>) -> Self {
        let start = target.output_column() as i64;
        PrettyStream {
            target,
            line_length: line_length() as i64,
            buffer: Vec::new(),
            capacity: INITIAL_BUFFER_SIZE,
            buffer_offset: 0,
            buffer_start_column: start,
            line_number: 0,
            print_lines: count_of(crate::eval::package::cl_var!("*PRINT-LINES*"))
                .map(|n| n as usize),
            blocks: vec![LogicalBlock::default()],
            prefix: Vec::new(),
            suffix_rev: Vec::new(),
            queue: VecDeque::new(),
            next_id: 0,
            pending: Vec::new(),
            aborted: false,
            error: None,
        }
    }

    /// The column the next character would be printed at.
    pub fn column(&self) -> usize {
        self.index_column(self.buffer.len() as i64).max(0) as usize
    }

    fn block(&self) -> &LogicalBlock {
        // The stack always holds the outermost block.
        &self.blocks[self.blocks.len() - 1]
    }

    fn block_mut(&mut self) -> &mut LogicalBlock {
        let n = self.blocks.len() - 1;
        &mut self.blocks[n]
    }

    fn posn_index(&self, posn: i64) -> i64 {
        posn - self.buffer_offset
    }

    fn posn_column(&self, posn: i64) -> i64 {
        self.index_column(self.posn_index(posn))
    }

    fn emit(&mut self, text: &str) {
        if self.error.is_none() {
            if let Err(e) = self.target.write_str(text) {
                self.error = Some(e);
            }
        }
    }

    /// Take the first error met writing to the target.
    pub fn take_error(&mut self) -> io::Result<()> {
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    // ----- text -----------------------------------------------------------

    /// Write text; a newline in it is a literal newline (`pretty-sout`).
    pub fn write_str(&mut self, s: &str) {
        if self.aborted {
            return;
        }
        let mut first = true;
        for line in s.split('\n') {
            if !first {
                self.enqueue_newline(NewlineKind::Literal);
                if self.aborted {
                    return;
                }
            }
            first = false;
            self.append(line);
        }
    }

    fn append(&mut self, s: &str) {
        let mut chars: Vec<char> = s.chars().collect();
        let mut start = 0;
        while start < chars.len() && !self.aborted {
            let available = self.ensure_space(chars.len() - start);
            let count = available.min(chars.len() - start);
            self.buffer.extend_from_slice(&chars[start..start + count]);
            start += count;
        }
        chars.clear();
    }

    /// Room for more text (`ensure-space-in-buffer`): when the buffer is
    /// full and past the line, decide what can be decided and emit it.
    fn ensure_space(&mut self, want: usize) -> usize {
        loop {
            let fill = self.buffer.len();
            if self.capacity > fill {
                return self.capacity - fill;
            }
            if fill as i64 > self.line_length && !self.aborted {
                if !self.maybe_output(false) && !self.output_partial_line() {
                    self.capacity = fill + want.max(1);
                }
                if self.aborted {
                    return want;
                }
                continue;
            }
            self.capacity = (self.capacity * 2).max(self.capacity + want * 5 / 4);
        }
    }

    // ----- the queue ------------------------------------------------------

    fn enqueue(&mut self, kind: OpKind) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let posn = self.buffer.len() as i64 + self.buffer_offset;
        self.queue.push_back(Op { id, posn, kind });
        id
    }

    /// `pprint-newline` (and a literal newline).
    pub fn enqueue_newline(&mut self, kind: NewlineKind) {
        if self.aborted {
            return;
        }
        let depth = self.pending.len();
        let id = self.enqueue(OpKind::Newline {
            kind,
            depth,
            section_end: None,
        });
        let posn = self.buffer.len() as i64 + self.buffer_offset;
        for op in self.queue.iter_mut() {
            if op.id == id {
                continue;
            }
            match &mut op.kind {
                OpKind::Newline {
                    depth: d,
                    section_end,
                    ..
                }
                | OpKind::BlockStart {
                    depth: d,
                    section_end,
                    ..
                } if section_end.is_none() && depth <= *d => *section_end = Some(posn),
                _ => {}
            }
        }
        self.maybe_output(matches!(
            kind,
            NewlineKind::Literal | NewlineKind::Mandatory
        ));
    }

    /// `pprint-indent`: `block` true for `:block`, false for `:current`.
    pub fn enqueue_indent(&mut self, block: bool, amount: i64) {
        if !self.aborted {
            self.enqueue(OpKind::Indent { block, amount });
        }
    }

    /// `pprint-tab`.
    pub fn enqueue_tab(&mut self, kind: TabKind, colnum: i64, colinc: i64) {
        if self.aborted {
            return;
        }
        let (section, relative) = match kind {
            TabKind::Line => (false, false),
            TabKind::LineRelative => (false, true),
            TabKind::Section => (true, false),
            TabKind::SectionRelative => (true, true),
        };
        self.enqueue(OpKind::Tab {
            section,
            relative,
            colnum,
            colinc,
        });
    }

    /// Open a logical block: the prefix is written, then the block starts.
    pub fn start_block(&mut self, prefix: Option<&str>, per_line: bool, suffix: &str) {
        if self.aborted {
            return;
        }
        if let Some(p) = prefix {
            self.write_str(p);
        }
        let suffix: Vec<char> = suffix.chars().collect();
        let depth = self.pending.len();
        let id = self.enqueue(OpKind::BlockStart {
            depth,
            section_end: None,
            block_end: None,
            prefix: if per_line {
                prefix.map(|p| p.chars().collect())
            } else {
                None
            },
            suffix: suffix.clone(),
        });
        self.pending.push(Pending { id, suffix });
    }

    /// Close the innermost logical block, writing its suffix.
    pub fn end_block(&mut self) {
        self.end_block_with(true);
    }

    /// Close the innermost logical block; its suffix is written by the
    /// caller when `write_suffix` is false (the printer's text has it).
    fn end_block_with(&mut self, write_suffix: bool) {
        let Some(start) = self.pending.pop() else {
            return;
        };
        if self.aborted {
            return;
        }
        let end = self.enqueue(OpKind::BlockEnd);
        for op in self.queue.iter_mut() {
            if op.id == start.id {
                if let OpKind::BlockStart { block_end, .. } = &mut op.kind {
                    *block_end = Some(end);
                }
            }
        }
        if write_suffix {
            let suffix: String = start.suffix.iter().collect();
            self.write_str(&suffix);
        }
    }

    /// How many blocks are open.
    pub fn depth(&self) -> usize {
        self.pending.len()
    }

    // ----- logical blocks as laid out -------------------------------------

    fn really_start_block(&mut self, column: i64, prefix: Option<Vec<char>>, suffix: &[char]) {
        let prev = self.block().clone();
        let block = LogicalBlock {
            start_column: column,
            section_column: column,
            per_line_prefix_end: prev.per_line_prefix_end,
            prefix_length: prev.prefix_length,
            suffix_length: prev.suffix_length,
            section_start_line: self.line_number,
        };
        self.blocks.push(block);
        self.set_indentation(column);
        if let Some(p) = prefix {
            self.block_mut().per_line_prefix_end = column;
            let start = (column - p.len() as i64).max(0) as usize;
            for (i, c) in p.iter().enumerate() {
                if let Some(slot) = self.prefix.get_mut(start + i) {
                    *slot = *c;
                }
            }
        }
        if !suffix.is_empty() {
            let old = prev.suffix_length.max(0) as usize;
            self.suffix_rev.truncate(old);
            self.suffix_rev.extend(suffix.iter().rev());
            self.block_mut().suffix_length = (old + suffix.len()) as i64;
        }
    }

    fn set_indentation(&mut self, column: i64) {
        let block = self.block().clone();
        let column = column.max(block.per_line_prefix_end).max(0);
        let current = block.prefix_length.max(0) as usize;
        let col = column as usize;
        if self.prefix.len() < col {
            self.prefix.resize(col, ' ');
        }
        if col > current {
            for slot in &mut self.prefix[current..col] {
                *slot = ' ';
            }
        }
        self.block_mut().prefix_length = column;
    }

    fn really_end_block(&mut self) {
        if self.blocks.len() <= 1 {
            return;
        }
        let old = self.blocks.pop().map_or(0, |b| b.prefix_length);
        let new = self.block().prefix_length;
        if new > old {
            let end = (new as usize).min(self.prefix.len());
            for slot in &mut self.prefix[old.max(0) as usize..end] {
                *slot = ' ';
            }
        }
    }

    // ----- tabs -----------------------------------------------------------

    fn tab_size(tab: &OpKind, section_start: i64, column: i64) -> i64 {
        let OpKind::Tab {
            section,
            relative,
            colnum,
            colinc,
        } = tab
        else {
            return 0;
        };
        let (mut colnum, colinc) = (*colnum, *colinc);
        let origin = if *section { section_start } else { 0 };
        let position = column - origin;
        if *relative {
            if colinc > 1 {
                let rem = (position + colnum).rem_euclid(colinc);
                if rem != 0 {
                    colnum += colinc - rem;
                }
            }
            colnum
        } else if position < colnum {
            colnum - position
        } else if colinc == 0 {
            0
        } else {
            colinc - (position - colnum).rem_euclid(colinc)
        }
    }

    fn index_column(&self, index: i64) -> i64 {
        let mut column = self.buffer_start_column;
        let mut section_start = self.block().section_column;
        let end_posn = index + self.buffer_offset;
        for op in &self.queue {
            if op.posn >= end_posn {
                break;
            }
            match &op.kind {
                OpKind::Tab { .. } => {
                    column +=
                        Self::tab_size(&op.kind, section_start, column + self.posn_index(op.posn));
                }
                OpKind::Newline { .. } | OpKind::BlockStart { .. } => {
                    section_start = column + self.posn_index(op.posn);
                }
                _ => {}
            }
        }
        column + index
    }

    /// Turn the tabs up to `through` (all when `None`) into spaces.
    fn expand_tabs(&mut self, through: Option<u64>) {
        let mut insertions: Vec<(usize, usize)> = Vec::new();
        let mut column = self.buffer_start_column;
        let mut section_start = self.block().section_column;
        for op in &self.queue {
            match &op.kind {
                OpKind::Tab { .. } => {
                    let index = self.posn_index(op.posn);
                    let size = Self::tab_size(&op.kind, section_start, column + index);
                    if size > 0 {
                        insertions.push((index.max(0) as usize, size as usize));
                        column += size;
                    }
                }
                OpKind::Newline { .. } | OpKind::BlockStart { .. } => {
                    section_start = column + self.posn_index(op.posn);
                }
                _ => {}
            }
            if Some(op.id) == through {
                break;
            }
        }
        if insertions.is_empty() {
            return;
        }
        let additional: usize = insertions.iter().map(|(_, n)| n).sum();
        let mut out = Vec::with_capacity(self.buffer.len() + additional);
        let mut from = 0;
        for (index, n) in &insertions {
            let index = (*index).min(self.buffer.len());
            out.extend_from_slice(&self.buffer[from..index]);
            out.extend(std::iter::repeat_n(' ', *n));
            from = index;
        }
        out.extend_from_slice(&self.buffer[from..]);
        self.buffer = out;
        self.capacity = self.capacity.max(self.buffer.len());
        self.buffer_offset -= additional as i64;
    }

    // ----- deciding and emitting ------------------------------------------

    fn misering(&self) -> bool {
        match count_of(crate::eval::package::cl_var!("*PRINT-MISER-WIDTH*")) {
            Some(w) => self.line_length - self.block().start_column <= w,
            None => false,
        }
    }

    /// Does the section ending at `until` fit? `None`: not known yet.
    fn fits_on_line(&self, until: Option<i64>, force_newlines: bool) -> Option<bool> {
        let mut available = self.line_length;
        if !readably() && self.print_lines == Some(self.line_number) {
            available -= 3;
            available -= self.block().suffix_length;
        }
        if let Some(posn) = until {
            Some(self.posn_column(posn) <= available)
        } else if force_newlines || self.index_column(self.buffer.len() as i64) > available {
            Some(false)
        } else {
            None
        }
    }

    /// `maybe-output`: true if a line was emitted.
    fn maybe_output(&mut self, force_newlines: bool) -> bool {
        let mut output_anything = false;
        while let Some(op) = self.queue.front() {
            if self.aborted {
                return output_anything;
            }
            match &op.kind {
                OpKind::Newline {
                    kind, section_end, ..
                } => {
                    let (kind, section_end, posn) = (*kind, *section_end, op.posn);
                    let take = match kind {
                        NewlineKind::Literal | NewlineKind::Mandatory | NewlineKind::Linear => true,
                        NewlineKind::Miser => self.misering(),
                        NewlineKind::Fill => {
                            if self.misering() || self.line_number > self.block().section_start_line
                            {
                                true
                            } else {
                                match self.fits_on_line(section_end, force_newlines) {
                                    Some(fits) => !fits,
                                    None => return output_anything,
                                }
                            }
                        }
                    };
                    self.queue.pop_front();
                    if take {
                        output_anything = true;
                        self.output_line(posn, kind);
                    }
                }
                OpKind::Indent { block, amount } => {
                    let (block, amount, posn) = (*block, *amount, op.posn);
                    self.queue.pop_front();
                    if !self.misering() {
                        let base = if block {
                            self.block().start_column
                        } else {
                            self.posn_column(posn)
                        };
                        self.set_indentation(base + amount);
                    }
                }
                OpKind::BlockStart {
                    section_end,
                    block_end,
                    ..
                } => {
                    let (section_end, block_end, posn) = (*section_end, *block_end, op.posn);
                    match self.fits_on_line(section_end, force_newlines) {
                        Some(true) if block_end.is_some() => {
                            // The whole block fits: it becomes one literal.
                            self.expand_tabs(block_end);
                            while let Some(op) = self.queue.pop_front() {
                                if Some(op.id) == block_end {
                                    break;
                                }
                            }
                        }
                        Some(false) => {
                            let Some(Op {
                                kind: OpKind::BlockStart { prefix, suffix, .. },
                                ..
                            }) = self.queue.pop_front()
                            else {
                                continue;
                            };
                            let column = self.posn_column(posn);
                            self.really_start_block(column, prefix, &suffix);
                        }
                        _ => return output_anything,
                    }
                }
                OpKind::BlockEnd => {
                    self.queue.pop_front();
                    self.really_end_block();
                }
                OpKind::Tab { .. } => {
                    let id = op.id;
                    self.expand_tabs(Some(id));
                    self.queue.pop_front();
                }
            }
        }
        output_anything
    }

    /// Emit the line ending at the newline at `posn`.
    fn output_line(&mut self, posn: i64, kind: NewlineKind) {
        let literal = kind == NewlineKind::Literal;
        let consume = self.posn_index(posn).clamp(0, self.buffer.len() as i64) as usize;
        let print = if literal {
            consume
        } else {
            // Blanks before a conditional newline are dropped.
            self.buffer[..consume]
                .iter()
                .rposition(|c| *c != ' ')
                .map_or(0, |p| p + 1)
        };
        let line: String = self.buffer[..print].iter().collect();
        self.emit(&line);
        let line_number = self.line_number + 1;
        if !readably() && self.print_lines.is_some_and(|n| line_number >= n) {
            self.emit(" ..");
            let n = self.block().suffix_length.max(0) as usize;
            let suffix: String = self.suffix_rev[..n.min(self.suffix_rev.len())]
                .iter()
                .rev()
                .collect();
            self.emit(&suffix);
            self.aborted = true;
            return;
        }
        self.line_number = line_number;
        self.emit("\n");
        self.buffer_start_column = 0;
        let block = self.block().clone();
        let prefix_len = if literal {
            block.per_line_prefix_end
        } else {
            block.prefix_length
        }
        .max(0) as usize;
        let shift = consume as i64 - prefix_len as i64;
        let mut rest = Vec::with_capacity(prefix_len + self.buffer.len() - consume);
        rest.extend((0..prefix_len).map(|i| self.prefix.get(i).copied().unwrap_or(' ')));
        rest.extend_from_slice(&self.buffer[consume..]);
        self.buffer = rest;
        self.capacity = self.capacity.max(self.buffer.len());
        self.buffer_offset += shift;
        if !literal {
            let b = self.block_mut();
            b.section_column = prefix_len as i64;
            b.section_start_line = line_number;
        }
    }

    /// Emit the text before the first queued operation; false if there
    /// is none.
    fn output_partial_line(&mut self) -> bool {
        let fill = self.buffer.len();
        let count = match self.queue.front() {
            Some(op) => self.posn_index(op.posn).clamp(0, fill as i64) as usize,
            None => fill,
        };
        if count == 0 {
            return false;
        }
        let text: String = self.buffer[..count].iter().collect();
        self.emit(&text);
        self.buffer_start_column += count as i64;
        self.buffer.drain(..count);
        self.buffer_offset += count as i64;
        true
    }

    /// Decide everything left and write the rest (`force-pretty-output`).
    pub fn finish(&mut self) {
        if self.aborted {
            return;
        }
        self.maybe_output(false);
        if self.aborted {
            return;
        }
        self.expand_tabs(None);
        let text: String = self.buffer.iter().collect();
        self.emit(&text);
        self.buffer.clear();
        self.queue.clear();
    }
}

/// Printed text with the pretty printer's operations at byte positions.
#[derive(Default)]
pub struct Doc {
    pub text: String,
    pub ops: Vec<(usize, super::DocOp)>,
}

/// Past this many nested blocks (or operations) a printed object is
/// written without layout: the queue of pending blocks would make the
/// layout quadratic and its prefix as wide as the nesting (a list nested
/// a million deep would need gigabytes).
const MAX_LAYOUT_DEPTH: usize = 1000;
const MAX_LAYOUT_OPS: usize = 1 << 20;

impl Doc {
    /// Too deep or too large to lay out (see [`MAX_LAYOUT_DEPTH`]).
    fn too_big(&self) -> bool {
        if self.ops.len() > MAX_LAYOUT_OPS {
            return true;
        }
        let mut depth = 0usize;
        for (_, op) in &self.ops {
            match op {
                super::DocOp::Start { .. } => {
                    depth += 1;
                    if depth > MAX_LAYOUT_DEPTH {
                        return true;
                    }
                }
                super::DocOp::End => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        false
    }

    /// Feed the text and operations to a pretty stream.
    pub fn replay(&self, ps: &mut PrettyStream) {
        if self.too_big() {
            ps.write_str(&self.text);
            return;
        }
        let mut from = 0;
        for (pos, op) in &self.ops {
            let pos = (*pos).clamp(from, self.text.len());
            if let Some(t) = self.text.get(from..pos) {
                ps.write_str(t);
            }
            from = pos;
            match op {
                // The printer's text holds the prefix and suffix.
                super::DocOp::Start { suffix, .. } => ps.start_block(None, false, suffix),
                super::DocOp::End => ps.end_block_with(false),
                super::DocOp::Newline(k) => ps.enqueue_newline(*k),
                super::DocOp::Indent { block, n } => ps.enqueue_indent(*block, *n),
            }
        }
        if let Some(t) = self.text.get(from..) {
            ps.write_str(t);
        }
    }

    /// The text alone is the layout: no operations, or everything fits
    /// on the line from `column` and nothing forces a newline.
    pub fn fits_as_text(&self, column: usize) -> bool {
        if self.ops.is_empty() || self.too_big() {
            return true;
        }
        if count_of(crate::eval::package::cl_var!("*PRINT-LINES*")).is_some()
            || self.text.contains('\n')
        {
            return false;
        }
        let forced = self.ops.iter().any(|(_, op)| {
            matches!(
                op,
                super::DocOp::Newline(NewlineKind::Mandatory | NewlineKind::Literal)
            )
        });
        !forced && column + self.text.chars().count() <= line_length()
    }

    /// The laid-out text starting at `column`.
    pub fn layout(self, column: usize) -> String {
        if self.fits_as_text(column) {
            return self.text;
        }
        let target = Rc::new(Stream::string_output());
        target.column.set(column);
        let mut ps = PrettyStream::new(target.clone());
        self.replay(&mut ps);
        ps.finish();
        target.take_string().unwrap_or_default()
    }

    /// Write to `stream`: into its queue if it is a pretty stream, else
    /// laid out from its column.
    pub fn write_to(self, stream: &Rc<Stream>) -> io::Result<()> {
        let pretty = matches!(
            &*stream.kind.borrow(),
            crate::eval::stream::StreamKind::Pretty(_)
        );
        if pretty {
            if let crate::eval::stream::StreamKind::Pretty(ps) = &mut *stream.kind.borrow_mut() {
                self.replay(ps);
                return ps.take_error();
            }
        }
        let column = stream.output_column();
        if self.fits_as_text(column) {
            return stream.write_str(&self.text);
        }
        let mut ps = PrettyStream::new(stream.clone());
        self.replay(&mut ps);
        ps.finish();
        ps.take_error()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lay out `words` in one block with `kind` newlines between them.
    fn block_of(words: &[&str], kind: NewlineKind, margin: i64) -> String {
        let _it = crate::toplevel::new_interp();
        let target = Rc::new(Stream::string_output());
        let mut ps = PrettyStream::new(target.clone());
        ps.line_length = margin;
        ps.start_block(Some("("), false, ")");
        for (i, w) in words.iter().enumerate() {
            if i > 0 {
                ps.write_str(" ");
                ps.enqueue_newline(kind);
            }
            ps.write_str(w);
        }
        ps.end_block();
        ps.finish();
        target.take_string().unwrap_or_default()
    }

    #[test]
    fn fill_newlines_break_only_where_the_next_section_does_not_fit() {
        let words = ["aaaa", "bbbb", "cccc", "dddd", "eeee"];
        // A section ends at the next newline, after its trailing blank.
        assert_eq!(
            block_of(&words, NewlineKind::Fill, 16),
            "(aaaa bbbb cccc\n dddd eeee)"
        );
        assert_eq!(
            block_of(&words, NewlineKind::Fill, 15),
            "(aaaa bbbb\n cccc dddd\n eeee)"
        );
        assert_eq!(
            block_of(&words, NewlineKind::Fill, 80),
            "(aaaa bbbb cccc dddd eeee)"
        );
    }

    #[test]
    fn linear_newlines_all_break_when_the_block_does_not_fit() {
        let words = ["aaaa", "bbbb", "cccc"];
        assert_eq!(
            block_of(&words, NewlineKind::Linear, 10),
            "(aaaa\n bbbb\n cccc)"
        );
        assert_eq!(
            block_of(&words, NewlineKind::Linear, 20),
            "(aaaa bbbb cccc)"
        );
    }

    #[test]
    fn mandatory_newlines_always_break() {
        assert_eq!(block_of(&["a", "b"], NewlineKind::Mandatory, 80), "(a\n b)");
    }
}
