//! Allegro CL packages sendletter does not have: reading `mp:foo` or
//! calling `(require :aserve)` names what the script asked for and says it
//! is not provided, rather than a bare "package MP does not exist".

/// Allegro's packages (by name and nickname) that sendletter lacks, and
/// what they are. Package names from franz.com's Allegro CL 10.1
/// documentation (`packages.htm` and each module's page).
const UNPROVIDED_PACKAGES: &[(&[&str], &str)] = &[
    (&["MP", "MULTIPROCESSING"], "Allegro's multiprocessing"),
    (&["SOCKET", "ACL-SOCKET"], "Allegro's socket interface"),
    (
        &["NET.ASERVE", "NET.ASERVE.CLIENT"],
        "AllegroServe, Allegro's web server and HTTP client",
    ),
    (&["NET.URI"], "Allegro's URI library"),
    (&["NET.HTML.GENERATOR"], "AllegroServe's HTML generator"),
    (&["NET.XMLRPC"], "Allegro's XML-RPC library"),
    (
        &["NET.XML.SAX", "NET.XML.PARSER", "NET.XML.DOM"],
        "Allegro's XML parsers",
    ),
    (
        &["DB.ALLEGROCACHE"],
        "AllegroCache, Allegro's object database",
    ),
    (
        &["DBI", "DBI.MYSQL", "DBI.ORACLE"],
        "Allegro's database interfaces",
    ),
    (
        &["FOREIGN-FUNCTIONS", "FF"],
        "Allegro's foreign function interface",
    ),
    (
        &["COMMON-GRAPHICS", "CG"],
        "Allegro's graphical user interface",
    ),
    (&["PROF"], "Allegro's profiler"),
    (&["JAVATOOLS.JLINKER"], "Allegro's Java interface"),
    (&["UTIL.ZIP"], "Allegro's zip library"),
];

/// Allegro modules (for `require`) that sendletter lacks, and what they are.
const UNPROVIDED_MODULES: &[(&[&str], &str)] = &[
    (
        &["ASERVE", "WEBACTIONS"],
        "AllegroServe, Allegro's web server",
    ),
    (&["CLIENT"], "AllegroServe's HTTP client"),
    (&["SOCK", "SOCKET", "SSL"], "Allegro's socket interface"),
    (&["PROCESS", "MP", "SMPUTIL"], "Allegro's multiprocessing"),
    (&["URI"], "Allegro's URI library"),
    (&["ACACHE"], "AllegroCache, Allegro's object database"),
    (&["XMLRPC", "SAX", "PXML", "DOM"], "Allegro's XML libraries"),
    (
        &["ODBC", "AODBC", "MYSQL", "ORACLE"],
        "Allegro's database interfaces",
    ),
    (&["JLINKER"], "Allegro's Java interface"),
    (
        &["FFCOMPAT", "FOREIGN"],
        "Allegro's foreign function interface",
    ),
    (&["PROFILER", "PROF"], "Allegro's profiler"),
    (
        &["ZIP", "INFLATE", "DEFLATE"],
        "Allegro's compression library",
    ),
    (
        &["NDBM", "DNS", "NTP"],
        "an Allegro network or database module",
    ),
];

fn lookup(table: &[(&[&str], &'static str)], name: &str) -> Option<&'static str> {
    table
        .iter()
        .find(|(names, _)| names.iter().any(|n| n.eq_ignore_ascii_case(name)))
        .map(|&(_, what)| what)
}

/// The error for `PKG:NAME` when PKG does not exist, if PKG is one of
/// Allegro's: "MP:PROCESS-RUN-FUNCTION is Allegro's multiprocessing, not
/// provided by sendletter".
pub fn unprovided_symbol(package: &str, name: &str) -> Option<String> {
    let what = lookup(UNPROVIDED_PACKAGES, package)?;
    Some(format!(
        "{package}:{name} is {what}, not provided by sendletter (package {package} does not exist)"
    ))
}

/// Allegro's own packages that sendletter has only in part.
const PARTIAL_PACKAGES: &[&str] = &["EXCL", "SYSTEM", "EXCL.OSI", "UTIL.STRING", "UTIL.TEST"];

/// The error for `PKG:NAME` when PKG is one of Allegro's packages that
/// sendletter has in part and NAME is not in it: "EXCL.OSI:FORK is part
/// of Allegro CL but not provided by sendletter".
pub fn unprovided_allegro_symbol(package: &str, name: &str) -> Option<String> {
    PARTIAL_PACKAGES.contains(&package).then(|| {
        format!(
            "{package}:{name} is part of Allegro CL but not provided by sendletter (symbol {name} not found in package {package}; docs/allegro.md lists what is)"
        )
    })
}

/// The error for a package name that does not exist, if it is Allegro's.
pub fn unprovided_package(package: &str) -> Option<String> {
    let what = lookup(UNPROVIDED_PACKAGES, package)?;
    Some(format!(
        "package {package} is {what}, not provided by sendletter"
    ))
}

/// The error for `(require NAME)` of an Allegro module sendletter lacks.
pub fn unprovided_module(name: &str) -> Option<String> {
    let what = lookup(UNPROVIDED_MODULES, name)?;
    Some(format!(
        "the module {name} is {what}, an Allegro CL module not provided by sendletter"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_allegro_packages_and_modules() {
        assert_eq!(
            unprovided_symbol("MP", "PROCESS-RUN-FUNCTION").as_deref(),
            Some("MP:PROCESS-RUN-FUNCTION is Allegro's multiprocessing, not provided by sendletter (package MP does not exist)")
        );
        assert!(unprovided_symbol("NO-SUCH", "X").is_none());
        assert!(unprovided_module("aserve").is_some());
        assert!(unprovided_module("smtp").is_none());
        assert!(unprovided_package("SOCKET").is_some());
        assert!(unprovided_allegro_symbol("EXCL.OSI", "FORK")
            .is_some_and(|m| m.starts_with("EXCL.OSI:FORK is part of Allegro CL")));
        assert!(unprovided_allegro_symbol("CL-USER", "X").is_none());
    }
}
