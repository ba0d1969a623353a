//! The part of Allegro's operating-system interface, package `excl.osi`
//! (franz.com, Allegro CL 10.1 `os-interface.htm`), that mail scripts
//! use: user and process ids, password and group entries, `stat`, and
//! `command-output`.

use std::rc::Rc;

use crate::builtins::args::{self, type_err};
use crate::builtins::{BuiltinDef, MANY};
use crate::def;
use crate::eval::value::{HostObject, Value};
use crate::eval::{Interp, LResult};

/// A password-file entry (`getpwnam`, `getpwuid`).
pub struct PwEnt {
    name: String,
    passwd: String,
    uid: u32,
    gid: u32,
    gecos: String,
    dir: String,
    shell: String,
}

impl HostObject for PwEnt {
    fn type_name(&self) -> &str {
        "PWENT"
    }
    fn describe(&self) -> String {
        self.name.clone()
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// A group entry (`getgrnam`, `getgrgid`).
pub struct GrEnt {
    name: String,
    gid: u32,
    members: Vec<String>,
}

impl HostObject for GrEnt {
    fn type_name(&self) -> &str {
        "GRENT"
    }
    fn describe(&self) -> String {
        self.name.clone()
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// A file's status (`stat`, `lstat`).
pub struct Stat {
    meta: std::fs::Metadata,
}

impl HostObject for Stat {
    fn type_name(&self) -> &str {
        "STAT"
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

pub const BUILTINS: &[BuiltinDef] = &[
    def!("EXCL.OSI" : "GETPID", "()", 0, 0, getpid, "This process's id."),
    def!("EXCL.OSI" : "GETPPID", "()", 0, 0, getppid, "The parent process's id."),
    def!("EXCL.OSI" : "GETUID", "()", 0, 0, getuid, "The real user id."),
    def!("EXCL.OSI" : "GETEUID", "()", 0, 0, geteuid, "The effective user id."),
    def!("EXCL.OSI" : "GETGID", "()", 0, 0, getgid, "The real group id."),
    def!("EXCL.OSI" : "GETEGID", "()", 0, 0, getegid, "The effective group id."),
    def!("EXCL.OSI" : "GETPWNAM", "(name)", 1, 1, getpwnam, "The password entry of user NAME, or NIL."),
    def!("EXCL.OSI" : "GETPWUID", "(uid)", 1, 1, getpwuid, "The password entry of user id UID, or NIL."),
    def!("EXCL.OSI" : "PWENT-NAME", "(pwent)", 1, 1, pwent_name, "The user name."),
    def!("EXCL.OSI" : "PWENT-PASSWD", "(pwent)", 1, 1, pwent_passwd, "The password field."),
    def!("EXCL.OSI" : "PWENT-UID", "(pwent)", 1, 1, pwent_uid, "The user id."),
    def!("EXCL.OSI" : "PWENT-GID", "(pwent)", 1, 1, pwent_gid, "The group id."),
    def!("EXCL.OSI" : "PWENT-GECOS", "(pwent)", 1, 1, pwent_gecos, "The GECOS (full name) field."),
    def!("EXCL.OSI" : "PWENT-DIR", "(pwent)", 1, 1, pwent_dir, "The home directory."),
    def!("EXCL.OSI" : "PWENT-SHELL", "(pwent)", 1, 1, pwent_shell, "The login shell."),
    def!("EXCL.OSI" : "PWENT-P", "(object)", 1, 1, pwent_p, "True for a password entry."),
    def!("EXCL.OSI" : "GETGRNAM", "(name)", 1, 1, getgrnam, "The group entry of group NAME, or NIL."),
    def!("EXCL.OSI" : "GETGRGID", "(gid)", 1, 1, getgrgid, "The group entry of group id GID, or NIL."),
    def!("EXCL.OSI" : "GRENT-NAME", "(grent)", 1, 1, grent_name, "The group name."),
    def!("EXCL.OSI" : "GRENT-GID", "(grent)", 1, 1, grent_gid, "The group id."),
    def!("EXCL.OSI" : "GRENT-MEM", "(grent)", 1, 1, grent_mem, "The group's members, a list of user names."),
    def!("EXCL.OSI" : "GETHOSTNAME", "()", 0, 0, gethostname, "This host's name."),
    def!("EXCL.OSI" : "STAT", "(filename)", 1, 1, stat, "The status of FILENAME (following symbolic links); a file-error if it does not exist."),
    def!("EXCL.OSI" : "LSTAT", "(filename)", 1, 1, lstat, "The status of FILENAME itself, a symbolic link not followed."),
    def!("EXCL.OSI" : "STAT-MODE", "(stat)", 1, 1, stat_mode, "The mode bits, type included."),
    def!("EXCL.OSI" : "STAT-TYPE", "(stat)", 1, 1, stat_type, ":file, :directory, :symbolic-link, :pipe, :socket, :character-device or :block-device."),
    def!("EXCL.OSI" : "STAT-SIZE", "(stat)", 1, 1, stat_size, "The size in bytes."),
    def!("EXCL.OSI" : "STAT-UID", "(stat)", 1, 1, stat_uid, "The owner's user id."),
    def!("EXCL.OSI" : "STAT-GID", "(stat)", 1, 1, stat_gid, "The group id."),
    def!("EXCL.OSI" : "STAT-NLINK", "(stat)", 1, 1, stat_nlink, "The number of hard links."),
    def!("EXCL.OSI" : "STAT-INO", "(stat)", 1, 1, stat_ino, "The inode number."),
    def!("EXCL.OSI" : "STAT-DEV", "(stat)", 1, 1, stat_dev, "The device number."),
    def!("EXCL.OSI" : "STAT-ATIME", "(stat)", 1, 1, stat_atime, "Last access, a universal time."),
    def!("EXCL.OSI" : "STAT-MTIME", "(stat)", 1, 1, stat_mtime, "Last modification, a universal time."),
    def!("EXCL.OSI" : "STAT-CTIME", "(stat)", 1, 1, stat_ctime, "Last status change, a universal time."),
    def!("EXCL.OSI" : "UMASK", "(&optional mask)", 0, 1, umask, "The file-creation mask; with MASK, set it and return the old one."),
    def!("EXCL.OSI" : "CHMOD", "(filename mode)", 2, 2, chmod, "Set FILENAME's permission bits."),
    def!("EXCL.OSI" : "UNLINK", "(filename)", 1, 1, unlink, "Remove FILENAME."),
    def!("EXCL.OSI" : "COMMAND-OUTPUT", "(command &key input directory environment whole)", 1, MANY, command_output,
        "Run COMMAND (a string for /bin/sh, or a vector #(program argv0 args...)) and return its standard output and error (lists of lines, or strings with :whole t) and its exit status."),
];

fn uid_of(it: &mut Interp, v: &Value) -> LResult<u32> {
    match v {
        Value::Fixnum(n) if (0..=u32::MAX as i64).contains(n) => Ok(*n as u32),
        other => type_err(it, other, "(UNSIGNED-BYTE 32)"),
    }
}

fn getpid(_: &mut Interp, _a: &[Value]) -> LResult<Value> {
    Ok(Value::Fixnum(std::process::id() as i64))
}
fn getppid(_: &mut Interp, _a: &[Value]) -> LResult<Value> {
    // SAFETY: getppid has no preconditions.
    Ok(Value::Fixnum(unsafe { libc::getppid() } as i64))
}
fn getuid(_: &mut Interp, _a: &[Value]) -> LResult<Value> {
    // SAFETY: no preconditions.
    Ok(Value::Fixnum(unsafe { libc::getuid() } as i64))
}
fn geteuid(_: &mut Interp, _a: &[Value]) -> LResult<Value> {
    // SAFETY: no preconditions.
    Ok(Value::Fixnum(unsafe { libc::geteuid() } as i64))
}
fn getgid(_: &mut Interp, _a: &[Value]) -> LResult<Value> {
    // SAFETY: no preconditions.
    Ok(Value::Fixnum(unsafe { libc::getgid() } as i64))
}
fn getegid(_: &mut Interp, _a: &[Value]) -> LResult<Value> {
    // SAFETY: no preconditions.
    Ok(Value::Fixnum(unsafe { libc::getegid() } as i64))
}

/// The entries of a colon-separated database file (`/etc/passwd`,
/// `/etc/group`, passwd(5) and group(5)). Read directly rather than through
/// getpwnam(3): this binary is linked statically, and glibc's NSS modules
/// cannot be loaded safely into a static program.
fn database(path: &str) -> Vec<Vec<String>> {
    let Ok(text) = std::fs::read(path) else {
        return Vec::new();
    };
    String::from_utf8_lossy(&text)
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split(':').map(str::to_string).collect())
        .collect()
}

fn pwent_of(f: &[String]) -> Option<PwEnt> {
    let [name, passwd, uid, gid, gecos, dir, shell] = f else {
        return None;
    };
    Some(PwEnt {
        name: name.clone(),
        passwd: passwd.clone(),
        uid: uid.parse().ok()?,
        gid: gid.parse().ok()?,
        gecos: gecos.clone(),
        dir: dir.clone(),
        shell: shell.clone(),
    })
}

fn grent_of(f: &[String]) -> Option<GrEnt> {
    let [name, _, gid, members] = f else {
        return None;
    };
    Some(GrEnt {
        name: name.clone(),
        gid: gid.parse().ok()?,
        members: members
            .split(',')
            .filter(|m| !m.is_empty())
            .map(str::to_string)
            .collect(),
    })
}

fn find_pw(pred: impl Fn(&PwEnt) -> bool) -> Option<PwEnt> {
    database("/etc/passwd")
        .iter()
        .filter_map(|f| pwent_of(f))
        .find(|p| pred(p))
}

fn find_gr(pred: impl Fn(&GrEnt) -> bool) -> Option<GrEnt> {
    database("/etc/group")
        .iter()
        .filter_map(|f| grent_of(f))
        .find(|g| pred(g))
}

fn host(v: impl HostObject + 'static) -> Value {
    Value::Object(Rc::new(Box::new(v)))
}

fn getpwnam(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let name = args::designator(it, &a[0])?;
    Ok(find_pw(|p| p.name == name).map(host).unwrap_or(Value::Nil))
}

fn getpwuid(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let uid = uid_of(it, &a[0])?;
    Ok(find_pw(|p| p.uid == uid).map(host).unwrap_or(Value::Nil))
}

fn getgrnam(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let name = args::designator(it, &a[0])?;
    Ok(find_gr(|g| g.name == name).map(host).unwrap_or(Value::Nil))
}

fn getgrgid(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let gid = uid_of(it, &a[0])?;
    Ok(find_gr(|g| g.gid == gid).map(host).unwrap_or(Value::Nil))
}

fn with_pwent(it: &mut Interp, v: &Value, f: impl Fn(&PwEnt) -> Value) -> LResult<Value> {
    if let Value::Object(o) = v {
        if let Some(p) = o.as_any().downcast_ref::<PwEnt>() {
            return Ok(f(p));
        }
    }
    type_err(it, v, "EXCL.OSI::PWENT")
}

fn pwent_name(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    with_pwent(it, &a[0], |p| Value::string(p.name.clone()))
}
fn pwent_passwd(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    with_pwent(it, &a[0], |p| Value::string(p.passwd.clone()))
}
fn pwent_uid(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    with_pwent(it, &a[0], |p| Value::Fixnum(p.uid as i64))
}
fn pwent_gid(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    with_pwent(it, &a[0], |p| Value::Fixnum(p.gid as i64))
}
fn pwent_gecos(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    with_pwent(it, &a[0], |p| Value::string(p.gecos.clone()))
}
fn pwent_dir(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    with_pwent(it, &a[0], |p| Value::string(p.dir.clone()))
}
fn pwent_shell(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    with_pwent(it, &a[0], |p| Value::string(p.shell.clone()))
}
fn pwent_p(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(
        matches!(&a[0], Value::Object(o) if o.as_any().is::<PwEnt>()),
    ))
}

fn with_grent(it: &mut Interp, v: &Value, f: impl Fn(&GrEnt) -> Value) -> LResult<Value> {
    if let Value::Object(o) = v {
        if let Some(g) = o.as_any().downcast_ref::<GrEnt>() {
            return Ok(f(g));
        }
    }
    type_err(it, v, "EXCL.OSI::GRENT")
}
fn grent_name(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    with_grent(it, &a[0], |g| Value::string(g.name.clone()))
}
fn grent_gid(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    with_grent(it, &a[0], |g| Value::Fixnum(g.gid as i64))
}
fn grent_mem(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    with_grent(it, &a[0], |g| {
        Value::list(
            g.members
                .iter()
                .cloned()
                .map(Value::string)
                .collect::<Vec<_>>(),
        )
    })
}

fn gethostname(_: &mut Interp, _a: &[Value]) -> LResult<Value> {
    Ok(Value::string(crate::host::name().unwrap_or("localhost")))
}

// ----- stat ---------------------------------------------------------------------------------

fn stat_with(it: &mut Interp, v: &Value, follow: bool) -> LResult<Value> {
    let path = crate::builtins::files::to_pathname(it, v)?.namestring();
    let meta = if follow {
        std::fs::metadata(&path)
    } else {
        std::fs::symlink_metadata(&path)
    };
    match meta {
        Ok(meta) => Ok(host(Stat { meta })),
        Err(e) => crate::builtins::files::file_error(it, "cannot stat", &path, &e),
    }
}

fn stat(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    stat_with(it, &a[0], true)
}
fn lstat(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    stat_with(it, &a[0], false)
}

fn with_stat(
    it: &mut Interp,
    v: &Value,
    f: impl Fn(&std::fs::Metadata) -> Value,
) -> LResult<Value> {
    if let Value::Object(o) = v {
        if let Some(s) = o.as_any().downcast_ref::<Stat>() {
            return Ok(f(&s.meta));
        }
    }
    type_err(it, v, "EXCL.OSI::STAT")
}

/// Seconds since 1970 as a universal time (seconds since 1900).
fn universal(unix: i64) -> Value {
    Value::Fixnum(unix + crate::builtins::files::UNIX_EPOCH_UT)
}

fn stat_mode(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    use std::os::unix::fs::MetadataExt;
    with_stat(it, &a[0], |m| Value::Fixnum(m.mode() as i64))
}
fn stat_type(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    use std::os::unix::fs::FileTypeExt;
    with_stat(it, &a[0], |m| {
        let t = m.file_type();
        let name = if t.is_dir() {
            "DIRECTORY"
        } else if t.is_symlink() {
            "SYMBOLIC-LINK"
        } else if t.is_fifo() {
            "PIPE"
        } else if t.is_socket() {
            "SOCKET"
        } else if t.is_char_device() {
            "CHARACTER-DEVICE"
        } else if t.is_block_device() {
            "BLOCK-DEVICE"
        } else {
            "FILE"
        };
        Value::Symbol(crate::eval::package::keyword(name))
    })
}
fn stat_size(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    use std::os::unix::fs::MetadataExt;
    with_stat(it, &a[0], |m| Value::Fixnum(m.size() as i64))
}
fn stat_uid(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    use std::os::unix::fs::MetadataExt;
    with_stat(it, &a[0], |m| Value::Fixnum(m.uid() as i64))
}
fn stat_gid(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    use std::os::unix::fs::MetadataExt;
    with_stat(it, &a[0], |m| Value::Fixnum(m.gid() as i64))
}
fn stat_nlink(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    use std::os::unix::fs::MetadataExt;
    with_stat(it, &a[0], |m| Value::Fixnum(m.nlink() as i64))
}
fn stat_ino(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    use std::os::unix::fs::MetadataExt;
    with_stat(it, &a[0], |m| {
        Value::Fixnum((m.ino() & (i64::MAX as u64 >> 1)) as i64)
    })
}
fn stat_dev(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    use std::os::unix::fs::MetadataExt;
    with_stat(it, &a[0], |m| {
        Value::Fixnum((m.dev() & (i64::MAX as u64 >> 1)) as i64)
    })
}
fn stat_atime(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    use std::os::unix::fs::MetadataExt;
    with_stat(it, &a[0], |m| universal(m.atime()))
}
fn stat_mtime(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    use std::os::unix::fs::MetadataExt;
    with_stat(it, &a[0], |m| universal(m.mtime()))
}
fn stat_ctime(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    use std::os::unix::fs::MetadataExt;
    with_stat(it, &a[0], |m| universal(m.ctime()))
}

fn umask(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let new = match a.first() {
        Some(v) => Some(uid_of(it, v)? & 0o777),
        None => None,
    };
    // SAFETY: umask has no preconditions; reading it means setting it, so
    // the old value is put back when only reading.
    let old = unsafe { libc::umask(new.unwrap_or(0) as libc::mode_t) };
    if new.is_none() {
        // SAFETY: as above.
        unsafe { libc::umask(old) };
    }
    Ok(Value::Fixnum(old as i64))
}

fn chmod(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    use std::os::unix::fs::PermissionsExt;
    let path = crate::builtins::files::to_pathname(it, &a[0])?.namestring();
    let mode = uid_of(it, &a[1])? & 0o7777;
    match std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)) {
        Ok(()) => Ok(crate::eval::package::t()),
        Err(e) => crate::builtins::files::file_error(it, "cannot change the mode of", &path, &e),
    }
}

fn unlink(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let path = crate::builtins::files::to_pathname(it, &a[0])?.namestring();
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(crate::eval::package::t()),
        Err(e) => crate::builtins::files::file_error(it, "cannot remove", &path, &e),
    }
}

// ----- command-output -----------------------------------------------------------------------

fn lines_or_whole(text: &[u8], whole: bool) -> Value {
    let text = String::from_utf8_lossy(text);
    if whole {
        return Value::string(text.into_owned());
    }
    Value::list(
        text.lines()
            .map(|l| Value::string(l.to_string()))
            .collect::<Vec<_>>(),
    )
}

fn command_output(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    use std::io::Write;
    use std::process::Stdio;
    let kws = args::keywords(
        it,
        &a[1..],
        &[
            "INPUT",
            "DIRECTORY",
            "ENVIRONMENT",
            "WHOLE",
            "UID",
            "GID",
            "INITGROUPS-USER",
            "ENVIRONMENT-APPEND",
            "SHOW-WINDOW",
            "PRESERVE-FDS",
        ],
        "COMMAND-OUTPUT",
    )?;
    let mut cmd = crate::builtins::system::command_of(it, &a[0], "COMMAND-OUTPUT")?;
    if let Some(d) = args::kw(&kws, "DIRECTORY").filter(Value::truthy) {
        let dir = crate::builtins::files::to_pathname(it, &d)?.namestring();
        cmd.current_dir(dir);
    }
    if let Some(env) = args::kw(&kws, "ENVIRONMENT").filter(Value::truthy) {
        for pair in args::list(it, &env)? {
            let k = args::designator(it, &pair.car())?;
            let v = args::designator(it, &pair.cdr())?;
            cmd.env(k, v);
        }
    }
    let input = match args::kw(&kws, "INPUT") {
        None | Some(Value::Nil) => None,
        Some(Value::String(s)) => Some(s.borrow().clone().into_bytes()),
        Some(other) => return type_err(it, &other, "(OR NULL STRING)"),
    };
    let whole = args::kw(&kws, "WHOLE").is_some_and(|v| v.truthy());
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    crate::toplevel::flush_output(it);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return it.simple_error(format!("COMMAND-OUTPUT: cannot run the command: {e}")),
    };
    // The input is written from its own thread so a command that writes
    // much before reading cannot deadlock against us.
    let writer = match (input, child.stdin.take()) {
        (Some(bytes), Some(mut stdin)) => Some(std::thread::spawn(move || {
            let _ = stdin.write_all(&bytes);
        })),
        _ => None,
    };
    let out = child.wait_with_output();
    if let Some(w) = writer {
        let _ = w.join();
    }
    match out {
        Ok(o) => {
            use std::os::unix::process::ExitStatusExt;
            let status = o
                .status
                .code()
                .map(i64::from)
                .unwrap_or_else(|| 128 + o.status.signal().unwrap_or(0) as i64);
            Ok(it.values(vec![
                lines_or_whole(&o.stdout, whole),
                lines_or_whole(&o.stderr, whole),
                Value::Fixnum(status),
            ]))
        }
        Err(e) => it.simple_error(format!("COMMAND-OUTPUT: {e}")),
    }
}
