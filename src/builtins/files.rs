//! Files and pathnames (CLHS 19, 20, 21): `open`, `probe-file`,
//! `directory`, pathname parsing, merging and parts. Pathnames are Unix
//! namestrings split into directory, name and type; failures are
//! `file-error`s naming the pathname with the operating system's message.

use std::fs::{self, OpenOptions};
use std::io::{self, BufReader, BufWriter};
use std::path::Path;
use std::rc::Rc;

use super::args::{self, type_err};
use super::{BuiltinDef, MANY};
use crate::def;
use crate::eval::encoding::Encoding;
use crate::eval::package::{cl_sym, keyword, t};
use crate::eval::stream::{Element, InputBuffer, Stream, StreamKind};
use crate::eval::value::{Pathname, Version};
use crate::eval::{Interp, LResult, Value};

pub const BUILTINS: &[BuiltinDef] = &[
    def!(
        "OPEN",
        "(filespec &key direction element-type if-exists if-does-not-exist external-format)",
        1,
        MANY,
        open,
        "Open a file stream."
    ),
    def!(
        "PROBE-FILE",
        "(pathspec)",
        1,
        1,
        probe_file,
        "The truename of the file, or NIL if it does not exist."
    ),
    def!(
        "TRUENAME",
        "(pathspec)",
        1,
        1,
        truename,
        "The absolute, resolved pathname of an existing file."
    ),
    def!(
        "DELETE-FILE",
        "(filespec)",
        1,
        1,
        delete_file,
        "Delete a file."
    ),
    def!(
        "RENAME-FILE",
        "(filespec new-name)",
        2,
        2,
        rename_file,
        "Rename a file; returns the new name, the old truename and the new truename."
    ),
    def!(
        "FILE-WRITE-DATE",
        "(pathspec)",
        1,
        1,
        file_write_date,
        "The modification time as a universal time."
    ),
    def!(
        "DIRECTORY",
        "(pathspec &key)",
        1,
        MANY,
        directory,
        "The truenames of the files matching PATHSPEC (wildcards * in name and type)."
    ),
    def!(
        "ENSURE-DIRECTORIES-EXIST",
        "(pathspec &key verbose)",
        1,
        MANY,
        ensure_directories_exist,
        "Create the directories of PATHSPEC; second value true if any was created."
    ),
    def!(
        "PATHNAME",
        "(pathspec)",
        1,
        1,
        pathname,
        "PATHSPEC as a pathname."
    ),
    def!(
        "PATHNAMEP",
        "(object)",
        1,
        1,
        pathnamep,
        "True if OBJECT is a pathname."
    ),
    def!(
        "NAMESTRING",
        "(pathname)",
        1,
        1,
        namestring,
        "The full namestring of PATHNAME."
    ),
    def!(
        "FILE-NAMESTRING",
        "(pathname)",
        1,
        1,
        file_namestring,
        "The name and type of PATHNAME as a string."
    ),
    def!(
        "DIRECTORY-NAMESTRING",
        "(pathname)",
        1,
        1,
        directory_namestring,
        "The directory of PATHNAME as a string."
    ),
    def!(
        "ENOUGH-NAMESTRING",
        "(pathname &optional defaults)",
        1,
        2,
        enough_namestring,
        "The shortest namestring that merges with DEFAULTS to PATHNAME."
    ),
    def!(
        "PATHNAME-NAME",
        "(pathname &key case)",
        1,
        MANY,
        pathname_name,
        "The name part of PATHNAME."
    ),
    def!(
        "PATHNAME-TYPE",
        "(pathname &key case)",
        1,
        MANY,
        pathname_type,
        "The type (extension) of PATHNAME."
    ),
    def!(
        "PATHNAME-DIRECTORY",
        "(pathname &key case)",
        1,
        MANY,
        pathname_directory,
        "The directory of PATHNAME as a list (:ABSOLUTE \"tmp\")."
    ),
    def!(
        "PATHNAME-HOST",
        "(pathname &key case)",
        1,
        MANY,
        pathname_host,
        "NIL for a Unix pathname; a logical pathname's host name."
    ),
    def!(
        "PATHNAME-DEVICE",
        "(pathname &key case)",
        1,
        MANY,
        pathname_device,
        "NIL for a Unix pathname; :UNSPECIFIC for a logical one (CLHS 19.3.2.1)."
    ),
    def!(
        "PATHNAME-VERSION",
        "(pathname)",
        1,
        1,
        pathname_version,
        ":NEWEST for a pathname with a name, else NIL."
    ),
    def!(
        "MAKE-PATHNAME",
        "(&key host device directory name type version defaults case)",
        0,
        MANY,
        make_pathname,
        "Make a pathname from parts, the missing ones from DEFAULTS."
    ),
    def!(
        "MERGE-PATHNAMES",
        "(pathname &optional defaults default-version)",
        1,
        3,
        merge_pathnames,
        "Fill the missing parts of PATHNAME from DEFAULTS."
    ),
    def!(
        "PARSE-NAMESTRING",
        "(thing &optional host defaults &key start end junk-allowed)",
        1,
        MANY,
        parse_namestring,
        "Parse a namestring; second value the index where parsing stopped."
    ),
    def!("EXCL" : "DELETE-DIRECTORY", "(pathname)", 1, 1, delete_directory, "Delete an empty directory."),
    def!("EXCL" : "DELETE-DIRECTORY-AND-FILES", "(pathname &key if-does-not-exist)", 1, MANY, delete_directory_and_files, "Delete a directory and everything in it."),
    def!(
        "USER-HOMEDIR-PATHNAME",
        "(&optional host)",
        0,
        1,
        user_homedir_pathname,
        "The home directory ($HOME) as a directory pathname."
    ),
];

// ----- pathname designators ---------------------------------------------------------

/// A pathname designator (string, pathname or file stream).
pub fn to_pathname(it: &mut Interp, v: &Value) -> LResult<Pathname> {
    match v {
        Value::String(s) => Ok(Pathname::parse(&s.borrow())),
        // Strings with fill pointers, displaced or adjustable.
        Value::Array(_) => match crate::builtins::sequences::shape::string_text(v) {
            Some(text) => Ok(Pathname::parse(&text)),
            None => type_err(it, v, "(OR PATHNAME STRING FILE-STREAM)"),
        },
        Value::Pathname(p) => Ok((**p).clone()),
        Value::Stream(s) if s.path.is_some() => {
            Ok(Pathname::parse(s.path.as_deref().unwrap_or("")))
        }
        _ => type_err(it, v, "(OR PATHNAME STRING FILE-STREAM)"),
    }
}

/// The namestring of a pathname designator, merged with
/// `*default-pathname-defaults*` as the file system will see it.
pub(crate) fn native(it: &mut Interp, v: &Value) -> LResult<String> {
    let mut p = to_pathname(it, v)?;
    if p.host.is_some() {
        // CLHS 19.3: the file system sees a logical pathname's translation.
        p = super::logical_pathnames::translate_logical(it, &p)?;
    }
    let defaults = default_pathname(it)?;
    Ok(merge(&p, &defaults).namestring())
}

fn default_pathname(it: &mut Interp) -> LResult<Pathname> {
    let v = crate::eval::package::cl_sym("*DEFAULT-PATHNAME-DEFAULTS*")
        .value
        .borrow()
        .clone()
        .unwrap_or(Value::Nil);
    match v {
        Value::Nil => Ok(Pathname::parse("")),
        other => to_pathname(it, &other),
    }
}

fn pathname_value(p: Pathname) -> Value {
    Value::Pathname(Rc::new(p))
}

/// The operating system's message for an error, without Rust's
/// "(os error N)" suffix.
fn os_message(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// A `file-error` for `path` whose report is "<what> #P"path": <OS message>".
pub fn file_error<T>(it: &mut Interp, what: &str, path: &str, e: &io::Error) -> LResult<T> {
    let p = pathname_value(Pathname::parse(path));
    let c = it.make_condition(
        "FILE-ERROR",
        &[
            ("PATHNAME", p.clone()),
            ("FORMAT-CONTROL", Value::string(format!("{what} ~S: ~A"))),
            (
                "FORMAT-ARGUMENTS",
                Value::list([p, Value::string(os_message(e))]),
            ),
        ],
    );
    it.err(c)
}

fn kw_name(v: &Value) -> Option<String> {
    match v {
        Value::Symbol(s) if s.is_keyword() => Some(s.name.clone()),
        Value::Nil => Some("NIL".into()),
        _ => None,
    }
}

// ----- open ---------------------------------------------------------------------

/// The encoding `:external-format` asks for (see `Encoding::from_name`);
/// a format sendletter does not have, or a list with options such as
/// `(:utf-8 :replacement #\?)`, is an error that says so rather than
/// text silently read another way.
pub fn external_format(it: &mut Interp, v: Option<&Value>) -> LResult<Encoding> {
    let Some(v) = v else {
        return Ok(Encoding::Utf8);
    };
    if v.is_cons() {
        let msg = format!(
            "external format {}: options such as :replacement are not supported; \
             use a keyword such as :utf-8 or :latin-1",
            crate::printer::prin1_to_string(v)
        );
        let c = it.make_error("SIMPLE-ERROR", &msg);
        return it.err(c);
    }
    let name = match v {
        Value::Symbol(s) => Some(s.name.clone()),
        _ => None,
    };
    match name.as_deref().and_then(Encoding::from_name) {
        Some(e) => Ok(e),
        None => {
            let msg = format!(
                "unsupported external format {}: sendletter has :utf-8, :latin-1 \
                 (:iso-8859-1), :ascii, :utf-16, :utf-16le and :utf-16be",
                crate::printer::prin1_to_string(v)
            );
            let c = it.make_error("SIMPLE-ERROR", &msg);
            it.err(c)
        }
    }
}

#[derive(PartialEq, Clone, Copy)]
enum Direction {
    Input,
    Output,
    Io,
    Probe,
}

/// The stream element an `:element-type` asks for (CLHS 21.1.1.3): a
/// character type, or an integer type stored in the fewest whole octets
/// that hold it, as SBCL does; `unsigned-byte` and `signed-byte` alone
/// are octets. Other types are an error that says so.
fn element_kind(it: &mut Interp, v: Option<&Value>) -> LResult<Element> {
    let Some(v) = v else {
        return Ok(Element::Character);
    };
    match v {
        Value::Symbol(s) if s.is_keyword() && s.name == "DEFAULT" => return Ok(Element::Character),
        Value::Symbol(s) if s.name == "UNSIGNED-BYTE" => return Ok(Element::Unsigned(1)),
        Value::Symbol(s) if s.name == "SIGNED-BYTE" => return Ok(Element::Signed(1)),
        _ => {}
    }
    let subtypep = cl_sym("SUBTYPEP");
    let is = |it: &mut Interp, ty: Value| -> LResult<bool> {
        Ok(it.call_named(&subtypep, &[v.clone(), ty])?.truthy())
    };
    if is(it, Value::Symbol(cl_sym("CHARACTER")))? {
        return Ok(Element::Character);
    }
    for n in 1..=MAX_ELEMENT_OCTETS {
        let bits = Value::Fixnum(8 * i64::from(n));
        if is(
            it,
            Value::list([Value::Symbol(cl_sym("UNSIGNED-BYTE")), bits.clone()]),
        )? {
            return Ok(Element::Unsigned(n));
        }
        if is(
            it,
            Value::list([Value::Symbol(cl_sym("SIGNED-BYTE")), bits]),
        )? {
            return Ok(Element::Signed(n));
        }
    }
    let msg = format!(
        "OPEN: the element type {} is not supported: streams hold characters or \
         integers of at most {} bits",
        crate::printer::prin1_to_string(v),
        8 * u32::from(MAX_ELEMENT_OCTETS)
    );
    let c = it.make_error("SIMPLE-ERROR", &msg);
    it.err(c)
}

/// The widest integer element a file stream takes, in octets.
const MAX_ELEMENT_OCTETS: u8 = 64;

fn open(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let kws = args::keywords(
        it,
        &a[1..],
        &[
            "DIRECTION",
            "ELEMENT-TYPE",
            "IF-EXISTS",
            "IF-DOES-NOT-EXIST",
            "EXTERNAL-FORMAT",
        ],
        "OPEN",
    )?;
    not_wild(it, &a[0])?;
    let path = native(it, &a[0])?;
    let direction = match args::kw(&kws, "DIRECTION") {
        None => Direction::Input,
        Some(v) => match kw_name(&v).as_deref() {
            Some("INPUT") => Direction::Input,
            Some("OUTPUT") => Direction::Output,
            Some("IO") => Direction::Io,
            Some("PROBE") => Direction::Probe,
            _ => return type_err(it, &v, "(MEMBER :INPUT :OUTPUT :IO :PROBE)"),
        },
    };
    let element = element_kind(it, args::kw(&kws, "ELEMENT-TYPE").as_ref())?;
    let binary = element != Element::Character;
    let encoding = external_format(it, args::kw(&kws, "EXTERNAL-FORMAT").as_ref())?;
    let exists = Path::new(&path).exists();
    let writing = matches!(direction, Direction::Output | Direction::Io);
    let if_exists = match args::kw(&kws, "IF-EXISTS") {
        Some(v) => match kw_name(&v) {
            Some(n) => n,
            None => return type_err(it, &v, "SYMBOL"),
        },
        None => "ERROR".to_string(),
    };
    let if_does_not_exist = match args::kw(&kws, "IF-DOES-NOT-EXIST") {
        Some(v) => match kw_name(&v) {
            Some(n) => n,
            None => return type_err(it, &v, "SYMBOL"),
        },
        None if direction == Direction::Input => "ERROR".into(),
        None if direction == Direction::Probe => "NIL".into(),
        None if if_exists == "OVERWRITE" || if_exists == "APPEND" => "ERROR".into(),
        None => "CREATE".into(),
    };
    if !exists {
        match if_does_not_exist.as_str() {
            "NIL" => return Ok(Value::Nil),
            "CREATE" if writing => {}
            // CLHS open: :create makes an empty file, whatever the direction.
            "CREATE" => {
                if let Err(e) = OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .open(&path)
                {
                    return file_error(it, "error creating", &path, &e);
                }
            }
            _ => {
                let e = io::Error::from_raw_os_error(libc::ENOENT);
                return file_error(it, "error opening", &path, &e);
            }
        }
    }
    let mut opts = OpenOptions::new();
    match direction {
        Direction::Input | Direction::Probe => {
            opts.read(true);
        }
        Direction::Output | Direction::Io => {
            opts.write(true).create(true);
            if direction == Direction::Io {
                opts.read(true);
            }
            if exists {
                match if_exists.as_str() {
                    "NIL" => return Ok(Value::Nil),
                    "ERROR" => {
                        let e = io::Error::from_raw_os_error(libc::EEXIST);
                        return file_error(it, "error opening", &path, &e);
                    }
                    "SUPERSEDE" | "NEW-VERSION" | "RENAME-AND-DELETE" => {
                        opts.truncate(true);
                    }
                    "RENAME" => {
                        let bak = format!("{path}.bak");
                        if let Err(e) = fs::rename(&path, &bak) {
                            return file_error(it, "error renaming", &path, &e);
                        }
                    }
                    "APPEND" => {
                        opts.append(true);
                    }
                    "OVERWRITE" => {}
                    other => {
                        let msg = format!("OPEN: unknown :if-exists value :{other}");
                        let c = it.make_error("SIMPLE-ERROR", &msg);
                        return it.err(c);
                    }
                }
            } else {
                opts.truncate(true);
            }
        }
    }
    let file = match opts.open(&path) {
        Ok(f) => f,
        Err(e) => return file_error(it, "error opening", &path, &e),
    };
    if let Ok(m) = file.metadata() {
        if m.is_dir() && direction != Direction::Probe {
            let e = io::Error::from_raw_os_error(libc::EISDIR);
            return file_error(it, "error opening", &path, &e);
        }
    }
    let make = |kind: StreamKind| Stream {
        kind: std::cell::RefCell::new(kind),
        binary,
        element,
        path: Some(path.clone()),
        open: std::cell::Cell::new(true),
        column: std::cell::Cell::new(0),
        encoding,
    };
    let stream = match direction {
        Direction::Input => make(StreamKind::FileIn(InputBuffer::with_encoding(
            BufReader::new(file),
            encoding,
        ))),
        Direction::Probe => {
            let s = make(StreamKind::Null);
            s.open.set(false);
            s
        }
        Direction::Output => {
            let mut w = BufWriter::new(file);
            // RFC 2781 §3.2: UTF-16 output starts with a byte-order mark.
            let empty = w.get_ref().metadata().is_ok_and(|m| m.len() == 0);
            if encoding == Encoding::Utf16 && !binary && empty {
                if let Err(e) = io::Write::write_all(&mut w, b"\xFE\xFF") {
                    return file_error(it, "error writing", &path, &e);
                }
            }
            make(StreamKind::FileOut(w))
        }
        Direction::Io => make(StreamKind::FileIo(InputBuffer::with_encoding(
            BufReader::new(file),
            encoding,
        ))),
    };
    Ok(Value::Stream(Rc::new(stream)))
}

// ----- the file system -------------------------------------------------------------

/// A pathname for an existing file: absolute, symlinks resolved,
/// directories ending in `/`.
fn true_path(path: &str) -> io::Result<Pathname> {
    // An empty namestring is the current directory, as in SBCL.
    let canon = fs::canonicalize(if path.is_empty() { "." } else { path })?;
    let mut s = canon.to_string_lossy().to_string();
    if canon.is_dir() && !s.ends_with('/') {
        s.push('/');
    }
    let mut p = Pathname::parse(&s);
    if p.name.is_some() {
        p.version = Some(Version::Newest);
    }
    Ok(p)
}

/// CLHS 20.1.2: a wild pathname names no one file; the functions that
/// need a file signal a `file-error`.
fn not_wild(it: &mut Interp, v: &Value) -> LResult<()> {
    let p = to_pathname(it, v)?;
    if super::pathname_wild::is_wild_pathname(&p) {
        let e = io::Error::new(io::ErrorKind::InvalidInput, "the pathname is wild");
        return file_error(it, "cannot use the wild pathname", &p.namestring(), &e);
    }
    Ok(())
}

fn probe_file(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    not_wild(it, &a[0])?;
    let path = native(it, &a[0])?;
    Ok(match true_path(&path) {
        Ok(p) => pathname_value(p),
        Err(_) => Value::Nil,
    })
}

fn truename(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    not_wild(it, &a[0])?;
    let path = native(it, &a[0])?;
    match true_path(&path) {
        Ok(p) => Ok(pathname_value(p)),
        Err(e) => file_error(it, "cannot find the truename of", &path, &e),
    }
}

fn delete_file(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let path = native(it, &a[0])?;
    match fs::remove_file(&path) {
        Ok(()) => Ok(t()),
        Err(e) => file_error(it, "could not delete", &path, &e),
    }
}

fn rename_file(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let from = native(it, &a[0])?;
    let old = to_pathname(it, &a[0])?;
    let new_p = merge(&to_pathname(it, &a[1])?, &old);
    let to = merge(&new_p, &default_pathname(it)?).namestring();
    let old_true = match true_path(&from) {
        Ok(p) => p,
        Err(e) => return file_error(it, "could not rename", &from, &e),
    };
    if let Err(e) = fs::rename(from.trim_end_matches('/'), to.trim_end_matches('/')) {
        return file_error(it, "could not rename", &from, &e);
    }
    let new_true = true_path(&to).unwrap_or_else(|_| new_p.clone());
    Ok(it.values(vec![
        pathname_value(new_p),
        pathname_value(old_true),
        pathname_value(new_true),
    ]))
}

/// Seconds between the universal-time epoch (1900) and the Unix epoch.
pub const UNIX_EPOCH_UT: i64 = 2_208_988_800;

fn file_write_date(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let path = native(it, &a[0])?;
    let modified = fs::metadata(&path).and_then(|m| m.modified());
    match modified {
        Ok(t) => {
            let secs = match t.duration_since(std::time::UNIX_EPOCH) {
                Ok(d) => d.as_secs() as i64,
                Err(e) => -(e.duration().as_secs() as i64),
            };
            Ok(Value::Fixnum(secs + UNIX_EPOCH_UT))
        }
        Err(e) => file_error(it, "cannot get the write date of", &path, &e),
    }
}

/// `*` matches any run of characters (CLHS 19.2.2.3 wildcards, simple form).
fn wild_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == t[ti] || p[pi] == '?') && p[pi] != '*' {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

fn directory(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let pattern = to_pathname(it, &a[0])?;
    // CLHS 19.2.2.4.3: :up or :back right after :absolute or
    // :wild-inferiors names no directory.
    if let Some(d) = &pattern.directory {
        let parts: Vec<&str> = d.split('/').filter(|p| !p.is_empty()).collect();
        let bad = parts.windows(2).any(|w| w[0] == "**" && w[1] == "..")
            || (d.starts_with('/') && parts.first() == Some(&".."));
        if bad {
            let e = io::Error::new(
                io::ErrorKind::InvalidInput,
                ":up or :back after :absolute or :wild-inferiors",
            );
            return file_error(it, "cannot list the directory", d, &e);
        }
    }
    let pattern = merge(&pattern, &default_pathname(it)?);
    let dir = pattern.directory.clone().unwrap_or_else(|| "./".into());
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(_) => return Ok(Value::Nil),
    };
    let mut found: Vec<Pathname> = Vec::new();
    if pattern.name.is_none() && pattern.kind.is_none() {
        // A directory pathname names the directory itself.
        return Ok(match true_path(&dir) {
            Ok(p) => Value::list([pathname_value(p)]),
            Err(_) => Value::Nil,
        });
    }
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().to_string();
        let p = Pathname::parse(&file);
        let name_ok = match (&pattern.name, &p.name) {
            (Some(pat), Some(n)) => wild_match(pat, n),
            (None, None) => true,
            _ => false,
        };
        let type_ok = match (&pattern.kind, &p.kind) {
            (Some(pat), _) if pat == "*" => true,
            (Some(pat), Some(k)) => wild_match(pat, k),
            (None, None) => true,
            _ => false,
        };
        if name_ok && type_ok {
            if let Ok(tp) = true_path(&format!("{dir}{file}")) {
                found.push(tp);
            }
        }
    }
    found.sort_by_key(|p| p.namestring());
    Ok(Value::list(found.into_iter().map(pathname_value)))
}

fn ensure_directories_exist(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    args::keywords(
        it,
        &a[1..],
        &["VERBOSE", "MODE"],
        "ENSURE-DIRECTORIES-EXIST",
    )?;
    not_wild(it, &a[0])?;
    let p = to_pathname(it, &a[0])?;
    let p = merge(&p, &default_pathname(it)?);
    let Some(dir) = p.directory.clone() else {
        return Ok(it.values(vec![a[0].clone(), Value::Nil]));
    };
    let existed = Path::new(&dir).is_dir();
    if !existed {
        if let Err(e) = fs::create_dir_all(&dir) {
            return file_error(it, "could not create the directory", &dir, &e);
        }
    }
    Ok(it.values(vec![a[0].clone(), Value::bool(!existed)]))
}

fn delete_directory(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let path = native(it, &a[0])?;
    match fs::remove_dir(&path) {
        Ok(()) => Ok(t()),
        Err(e) => file_error(it, "could not delete the directory", &path, &e),
    }
}

fn delete_directory_and_files(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let kws = args::keywords(
        it,
        &a[1..],
        &["IF-DOES-NOT-EXIST", "QUIET"],
        "DELETE-DIRECTORY-AND-FILES",
    )?;
    let path = native(it, &a[0])?;
    match fs::remove_dir_all(&path) {
        Ok(()) => Ok(t()),
        Err(e)
            if e.kind() == io::ErrorKind::NotFound
                && args::kw(&kws, "IF-DOES-NOT-EXIST")
                    .is_some_and(|v| kw_name(&v).as_deref() == Some("IGNORE")) =>
        {
            Ok(Value::Nil)
        }
        Err(e) => file_error(it, "could not delete the directory", &path, &e),
    }
}

// ----- pathname objects ---------------------------------------------------------------

fn pathname(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    if let Value::Pathname(_) = &a[0] {
        return Ok(a[0].clone());
    }
    Ok(pathname_value(to_pathname(it, &a[0])?))
}

fn pathnamep(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(matches!(a[0], Value::Pathname(_))))
}

fn namestring(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::string(to_pathname(it, &a[0])?.namestring()))
}

fn file_part(p: &Pathname) -> String {
    Pathname {
        directory: None,
        ..p.clone()
    }
    .namestring()
}

fn file_namestring(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::string(file_part(&to_pathname(it, &a[0])?)))
}

fn directory_namestring(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::string(
        to_pathname(it, &a[0])?.directory.unwrap_or_default(),
    ))
}

fn enough_namestring(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let p = to_pathname(it, &a[0])?;
    let defaults = match a.get(1) {
        Some(d) => to_pathname(it, d)?,
        None => default_pathname(it)?,
    };
    let full = p.namestring();
    let base = defaults.directory.unwrap_or_default();
    Ok(Value::string(match full.strip_prefix(&base) {
        Some(rest)
            if !base.is_empty()
                && p.directory.as_deref().is_some_and(|d| d.starts_with('/'))
                    == base.starts_with('/') =>
        {
            rest.to_string()
        }
        _ => full,
    }))
}

fn opt_string(s: &Option<String>) -> Value {
    match s {
        Some(s) => Value::string(s.clone()),
        None => Value::Nil,
    }
}

/// A name or type component: `*` alone is `:wild` (CLHS 19.2.2.2.2).
fn component_value(s: &Option<String>) -> Value {
    match s.as_deref() {
        Some("*") => Value::Symbol(keyword("WILD")),
        _ => opt_string(s),
    }
}

fn pathname_name(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(component_value(&to_pathname(it, &a[0])?.name))
}

fn pathname_type(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(component_value(&to_pathname(it, &a[0])?.kind))
}

/// `"/tmp/a/"` → `(:absolute "tmp" "a")`; `..` is `:up`, `*` `:wild`.
fn directory_list(dir: &Option<String>) -> Value {
    let Some(d) = dir else {
        return Value::Nil;
    };
    let (head, rest) = match d.strip_prefix('/') {
        Some(r) => ("ABSOLUTE", r),
        None => ("RELATIVE", d.as_str()),
    };
    let mut items = vec![Value::Symbol(keyword(head))];
    for part in rest.split('/').filter(|p| !p.is_empty() && *p != ".") {
        items.push(match part {
            ".." => Value::Symbol(keyword("UP")),
            "*" => Value::Symbol(keyword("WILD")),
            "**" => Value::Symbol(keyword("WILD-INFERIORS")),
            p => Value::string(p),
        });
    }
    Value::list(items)
}

/// The inverse of [`directory_list`]; a string is taken as a directory name.
fn directory_string(it: &mut Interp, v: &Value) -> LResult<Option<String>> {
    match v {
        Value::Nil => Ok(None),
        Value::String(s) => {
            let s = s.borrow().clone();
            Ok(Some(if s.ends_with('/') { s } else { format!("{s}/") }))
        }
        Value::Cons(_) => {
            let items = args::list(it, v)?;
            let mut out = String::new();
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::Symbol(k) if i == 0 && k.name == "ABSOLUTE" => out.push('/'),
                    Value::Symbol(k) if i == 0 && k.name == "RELATIVE" => {}
                    Value::Symbol(k) if k.name == "UP" || k.name == "BACK" => out.push_str("../"),
                    Value::Symbol(k) if k.name == "WILD" => out.push_str("*/"),
                    Value::Symbol(k) if k.name == "WILD-INFERIORS" => out.push_str("**/"),
                    Value::String(s) => {
                        out.push_str(&s.borrow());
                        out.push('/');
                    }
                    other => {
                        return type_err(
                            it,
                            other,
                            "(OR STRING (MEMBER :ABSOLUTE :RELATIVE :UP :WILD))",
                        )
                    }
                }
            }
            Ok(Some(out))
        }
        // SBCL: (:absolute :wild-inferiors).
        Value::Symbol(k) if k.is_keyword() && k.name == "WILD" => Ok(Some("/**/".into())),
        other => type_err(it, other, "(OR LIST STRING)"),
    }
}

fn pathname_directory(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(directory_list(&to_pathname(it, &a[0])?.directory))
}

fn pathname_host(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(opt_string(&host_or_device_arg(it, a)?.host))
}

fn pathname_device(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(match host_or_device_arg(it, a)?.host {
        Some(_) => Value::Symbol(keyword("UNSPECIFIC")),
        None => Value::Nil,
    })
}

fn host_or_device_arg(it: &mut Interp, a: &[Value]) -> LResult<Pathname> {
    // With :allow-other-keys true any key goes, keyword or not (CLHS 3.4.1.4).
    let allow_other = a[1..].chunks(2).find(
        |kv| matches!(&kv[0], Value::Symbol(s) if s.is_keyword() && s.name == "ALLOW-OTHER-KEYS"),
    );
    let odd = a.len().is_multiple_of(2);
    if odd || !allow_other.is_some_and(|kv| kv.get(1).is_some_and(|v| v.truthy())) {
        args::keywords(it, &a[1..], &["CASE"], "PATHNAME-HOST")?;
    }
    to_pathname(it, &a[0])
}

fn pathname_version(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let p = to_pathname(it, &a[0])?;
    Ok(match p.version {
        None => Value::Nil,
        Some(Version::Newest) => Value::Symbol(keyword("NEWEST")),
        Some(Version::Wild) => Value::Symbol(keyword("WILD")),
        Some(Version::Unspecific) => Value::Symbol(keyword("UNSPECIFIC")),
        Some(Version::Number(n)) => Value::Fixnum(n as i64),
    })
}

/// A `:version` argument (CLHS 19.2.2.1.2).
fn version_arg(it: &mut Interp, v: &Value) -> LResult<Option<Version>> {
    match v {
        Value::Nil => Ok(None),
        Value::Fixnum(n) if *n >= 0 => Ok(Some(Version::Number(*n as u64))),
        Value::Symbol(k) if k.is_keyword() && k.name == "NEWEST" => Ok(Some(Version::Newest)),
        Value::Symbol(k) if k.is_keyword() && k.name == "WILD" => Ok(Some(Version::Wild)),
        Value::Symbol(k) if k.is_keyword() && k.name == "UNSPECIFIC" => {
            Ok(Some(Version::Unspecific))
        }
        other => type_err(
            it,
            other,
            "(OR (INTEGER 0) (MEMBER NIL :NEWEST :WILD :UNSPECIFIC))",
        ),
    }
}

/// A name or type component: a string, NIL, or `:wild` (`*`).
fn component(it: &mut Interp, v: &Value) -> LResult<Option<String>> {
    match v {
        Value::Nil => Ok(None),
        Value::String(s) => Ok(Some(s.borrow().clone())),
        Value::Symbol(k) if k.is_keyword() && k.name == "WILD" => Ok(Some("*".into())),
        Value::Symbol(k) if k.is_keyword() && k.name == "UNSPECIFIC" => Ok(None),
        // Strings with fill pointers, displaced or adjustable.
        Value::Array(_) => match crate::builtins::sequences::shape::string_text(v) {
            Some(text) => Ok(Some(text)),
            None => type_err(it, v, "(OR STRING NULL)"),
        },
        other => type_err(it, other, "(OR STRING NULL)"),
    }
}

fn make_pathname(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let kws = args::keywords(
        it,
        a,
        &[
            "HOST",
            "DEVICE",
            "DIRECTORY",
            "NAME",
            "TYPE",
            "VERSION",
            "DEFAULTS",
            "CASE",
        ],
        "MAKE-PATHNAME",
    )?;
    let mut p = match args::kw(&kws, "DEFAULTS") {
        Some(d) if d.truthy() => to_pathname(it, &d)?,
        _ => Pathname {
            host: None,
            directory: None,
            name: None,
            kind: None,
            version: None,
        },
    };
    if let Some(d) = args::kw(&kws, "DIRECTORY") {
        p.directory = directory_string(it, &d)?;
    }
    if let Some(n) = args::kw(&kws, "NAME") {
        p.name = component(it, &n)?;
    }
    if let Some(t) = args::kw(&kws, "TYPE") {
        p.kind = component(it, &t)?;
    }
    if let Some(v) = args::kw(&kws, "VERSION") {
        p.version = version_arg(it, &v)?;
    }
    Ok(pathname_value(p))
}

/// CLHS 19.2.3: missing parts come from `defaults`; a relative directory
/// is appended to the defaults' directory.
pub fn merge(p: &Pathname, defaults: &Pathname) -> Pathname {
    merge_with_version(p, defaults, Some(Version::Newest))
}

/// `merge` with merge-pathnames' DEFAULT-VERSION.
fn merge_with_version(
    p: &Pathname,
    defaults: &Pathname,
    default_version: Option<Version>,
) -> Pathname {
    // Parts a logical pathname takes from a physical default are upper-cased
    // (CLHS 19.3.1.1.7), as in SBCL.
    let upcased;
    let defaults = if p.host.is_some() && defaults.host.is_none() {
        let up = |c: &Option<String>| c.as_ref().map(|s| s.to_ascii_uppercase());
        upcased = Pathname {
            host: None,
            directory: up(&defaults.directory),
            name: up(&defaults.name),
            kind: up(&defaults.kind),
            version: defaults.version,
        };
        &upcased
    } else {
        defaults
    };
    let directory = match (&p.directory, &defaults.directory) {
        (None, d) => d.clone(),
        (Some(d), Some(base)) if !d.starts_with('/') => Some(format!("{base}{d}")),
        (d, _) => d.clone(),
    };
    // CLHS merge-pathnames: a missing version is the default version
    // (:newest) when the pathname has a name, else the defaults' version.
    let version = match (p.version, &p.name) {
        (Some(v), _) => Some(v),
        (None, Some(_)) => default_version,
        (None, None) => defaults.version.or(default_version),
    };
    Pathname {
        host: p.host.clone().or_else(|| defaults.host.clone()),
        directory,
        name: p.name.clone().or_else(|| defaults.name.clone()),
        kind: p.kind.clone().or_else(|| defaults.kind.clone()),
        version,
    }
}

fn merge_pathnames(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let p = to_pathname(it, &a[0])?;
    let defaults = match a.get(1) {
        Some(d) => to_pathname(it, d)?,
        None => default_pathname(it)?,
    };
    let default_version = match a.get(2) {
        Some(v) => version_arg(it, v)?,
        None => Some(Version::Newest),
    };
    if p.host.is_none() && defaults.host.is_some() {
        // SBCL would re-read the namestring on the logical host; a Unix
        // pathname cannot be carried over component by component.
        return it.simple_error(format!(
            "MERGE-PATHNAMES: merging the physical pathname {} into the logical pathname {} is not supported by sendletter",
            p.namestring(),
            defaults.namestring()
        ));
    }
    Ok(pathname_value(merge_with_version(
        &p,
        &defaults,
        default_version,
    )))
}

fn parse_namestring(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    match &a[0] {
        Value::String(s) => {
            let text = s.borrow().clone();
            let kws = args::keywords(
                it,
                a.get(3..).unwrap_or(&[]),
                &["START", "END", "JUNK-ALLOWED"],
                "PARSE-NAMESTRING",
            )?;
            let n = text.chars().count();
            let start = args::opt_index(it, args::kw(&kws, "START").as_ref())?.unwrap_or(0);
            let end = args::opt_index(it, args::kw(&kws, "END").as_ref())?
                .unwrap_or(n)
                .min(n);
            let part: String = text
                .chars()
                .skip(start)
                .take(end.saturating_sub(start))
                .collect();
            let p = pathname_value(Pathname::parse(&part));
            Ok(it.values(vec![p, Value::Fixnum(end as i64)]))
        }
        other => {
            let p = pathname_value(to_pathname(it, other)?);
            let start = Value::Fixnum(0);
            Ok(it.values(vec![p, start]))
        }
    }
}

fn user_homedir_pathname(_: &mut Interp, _a: &[Value]) -> LResult<Value> {
    let mut home = std::env::var("HOME").unwrap_or_else(|_| "/".into());
    if !home.ends_with('/') {
        home.push('/');
    }
    Ok(pathname_value(Pathname::parse(&home)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wild_match("*", "abc"));
        assert!(wild_match("a*c", "abbbc"));
        assert!(!wild_match("a*c", "abd"));
        assert!(wild_match("*.txt", "x.txt"));
    }

    #[test]
    fn merging() {
        let m = merge(
            &Pathname::parse("sub/b.txt"),
            &Pathname::parse("/tmp/dir/a.lisp"),
        );
        assert_eq!(m.namestring(), "/tmp/dir/sub/b.txt");
        let m = merge(&Pathname::parse(".bak"), &Pathname::parse("/tmp/x.txt"));
        assert_eq!(m.namestring(), "/tmp/.bak.txt");
    }

    #[test]
    fn directory_lists() {
        assert_eq!(
            crate::printer::prin1_to_string(&directory_list(&Some("/tmp/a/".into()))),
            "(:ABSOLUTE \"tmp\" \"a\")"
        );
        assert_eq!(
            crate::printer::prin1_to_string(&directory_list(&Some("../".into()))),
            "(:RELATIVE :UP)"
        );
    }
}
