//! File extension → content type (behaviour.md §4, allegro-reference §5.6).
//!
//! Allegro's `*file-type-to-mime-type*` table is consulted first so that
//! scripts see the types Allegro gives (`js` → `application/x-javascript`,
//! `xml` → `text/xml`, `rtf` → `text/rtf`); `mime_guess` covers the
//! extensions Allegro lacks (`json`, `csv`, `svg`, `docx`, …).

use std::path::Path;

/// The entries of Allegro's table that name extensions, in its order.
/// `rtf` appears twice there; the later entry (`text/rtf`) wins, so the
/// first one is left out.
const ALLEGRO_TYPES: &[(&str, &[&str])] = &[
    ("application/andrew-inset", &["ez"]),
    ("application/mac-binhex40", &["hqx"]),
    ("application/mac-compactpro", &["cpt"]),
    ("application/msword", &["doc"]),
    (
        "application/octet-stream",
        &[
            "bin", "dms", "lha", "lzh", "exe", "class", "so", "dll", "img", "iso",
        ],
    ),
    ("application/ogg", &["ogg"]),
    ("application/pdf", &["pdf"]),
    ("application/postscript", &["ai", "eps", "ps"]),
    ("application/smil", &["smi", "smil"]),
    ("application/vnd.mif", &["mif"]),
    ("application/vnd.ms-excel", &["xls"]),
    ("application/vnd.ms-powerpoint", &["ppt"]),
    ("application/vnd.sun.xml.writer", &["sxw"]),
    ("application/vnd.sun.xml.writer.template", &["stw"]),
    ("application/vnd.sun.xml.calc", &["sxc"]),
    ("application/vnd.sun.xml.calc.template", &["stc"]),
    ("application/vnd.sun.xml.draw", &["sxd"]),
    ("application/vnd.sun.xml.draw.template", &["std"]),
    ("application/vnd.sun.xml.impress", &["sxi"]),
    ("application/vnd.sun.xml.impress.template", &["sti"]),
    ("application/vnd.sun.xml.writer.global", &["sxg"]),
    ("application/vnd.sun.xml.math", &["sxm"]),
    ("application/vnd.wap.wbxml", &["wbxml"]),
    ("application/vnd.wap.wmlc", &["wmlc"]),
    ("application/vnd.wap.wmlscriptc", &["wmlsc"]),
    ("application/x-bcpio", &["bcpio"]),
    ("application/x-bittorrent", &["torrent"]),
    ("application/x-bzip2", &["bz2"]),
    ("application/x-cdlink", &["vcd"]),
    ("application/x-chess-pgn", &["pgn"]),
    ("application/x-cpio", &["cpio"]),
    ("application/x-csh", &["csh"]),
    ("application/x-director", &["dcr", "dir", "dxr"]),
    ("application/x-dvi", &["dvi"]),
    ("application/x-futuresplash", &["spl"]),
    ("application/x-gtar", &["gtar"]),
    ("application/x-gzip", &["gz", "tgz"]),
    ("application/x-hdf", &["hdf"]),
    ("application/x-javascript", &["js"]),
    ("application/x-kword", &["kwd", "kwt"]),
    ("application/x-kspread", &["ksp"]),
    ("application/x-kpresenter", &["kpr", "kpt"]),
    ("application/x-kchart", &["chrt"]),
    ("application/x-killustrator", &["kil"]),
    ("application/x-koan", &["skp", "skd", "skt", "skm"]),
    ("application/x-latex", &["latex"]),
    ("application/x-netcdf", &["nc", "cdf"]),
    ("application/x-rpm", &["rpm"]),
    ("application/x-sh", &["sh"]),
    ("application/x-shar", &["shar"]),
    ("application/x-shockwave-flash", &["swf"]),
    ("application/x-stuffit", &["sit"]),
    ("application/x-sv4cpio", &["sv4cpio"]),
    ("application/x-sv4crc", &["sv4crc"]),
    ("application/x-tar", &["tar"]),
    ("application/x-tcl", &["tcl"]),
    ("application/x-tex", &["tex"]),
    ("application/x-texinfo", &["texinfo", "texi"]),
    ("application/x-troff", &["t", "tr", "roff"]),
    ("application/x-troff-man", &["man"]),
    ("application/x-troff-me", &["me"]),
    ("application/x-troff-ms", &["ms"]),
    ("application/x-ustar", &["ustar"]),
    ("application/x-wais-source", &["src"]),
    ("application/xhtml+xml", &["xhtml", "xht"]),
    ("application/zip", &["zip"]),
    ("audio/basic", &["au", "snd"]),
    ("audio/midi", &["mid", "midi", "kar"]),
    ("audio/mpeg", &["mpga", "mp2", "mp3"]),
    ("audio/x-aiff", &["aif", "aiff", "aifc"]),
    ("audio/x-mpegurl", &["m3u"]),
    ("audio/x-pn-realaudio", &["ram", "rm"]),
    ("audio/x-realaudio", &["ra"]),
    ("audio/x-wav", &["wav"]),
    ("chemical/x-pdb", &["pdb"]),
    ("chemical/x-xyz", &["xyz"]),
    ("image/bmp", &["bmp"]),
    ("image/gif", &["gif"]),
    ("image/ief", &["ief"]),
    ("image/jpeg", &["jpeg", "jpg", "jpe"]),
    ("image/png", &["png"]),
    ("image/tiff", &["tiff", "tif"]),
    ("image/vnd.djvu", &["djvu", "djv"]),
    ("image/vnd.wap.wbmp", &["wbmp"]),
    ("image/x-cmu-raster", &["ras"]),
    ("image/x-portable-anymap", &["pnm"]),
    ("image/x-portable-bitmap", &["pbm"]),
    ("image/x-portable-graymap", &["pgm"]),
    ("image/x-portable-pixmap", &["ppm"]),
    ("image/x-rgb", &["rgb"]),
    ("image/x-xbitmap", &["xbm"]),
    ("image/x-xpixmap", &["xpm"]),
    ("image/x-xwindowdump", &["xwd"]),
    ("model/iges", &["igs", "iges"]),
    ("model/mesh", &["msh", "mesh", "silo"]),
    ("model/vrml", &["wrl", "vrml"]),
    ("text/css", &["css"]),
    ("text/html", &["html", "htm"]),
    ("text/plain", &["asc", "txt"]),
    ("text/richtext", &["rtx"]),
    ("text/rtf", &["rtf"]),
    ("text/sgml", &["sgml", "sgm"]),
    ("text/tab-separated-values", &["tsv"]),
    ("text/vnd.wap.wml", &["wml"]),
    ("text/vnd.wap.wmlscript", &["wmls"]),
    ("text/x-setext", &["etx"]),
    ("text/xml", &["xml", "xsl"]),
    ("video/mpeg", &["mpeg", "mpg", "mpe"]),
    ("video/quicktime", &["qt", "mov"]),
    ("video/vnd.mpegurl", &["mxu"]),
    ("video/x-msvideo", &["avi"]),
    ("video/x-sgi-movie", &["movie"]),
    ("x-conference/x-cooltalk", &["ice"]),
];

/// The content type for a file name, or `None` when the extension is
/// unknown (the caller then uses `application/octet-stream`).
///
/// The extension is the text after the last `.` of the last path
/// component; a dot that is the first or last character does not start one
/// (`.bashrc`, `foo.`), as in Allegro's `split-namestring`.
pub fn content_type_for_path(path: &Path) -> Option<&'static str> {
    let name = path.file_name()?.to_str()?;
    let dot = name.rfind('.')?;
    if dot == 0 || dot + 1 == name.len() {
        return None;
    }
    content_type_for_extension(&name[dot + 1..])
}

/// The content type for an extension (without the dot), case-insensitive.
pub fn content_type_for_extension(ext: &str) -> Option<&'static str> {
    let allegro = ALLEGRO_TYPES
        .iter()
        .find(|(_, exts)| exts.iter().any(|e| e.eq_ignore_ascii_case(ext)))
        .map(|(ty, _)| *ty);
    allegro.or_else(|| mime_guess::from_ext(ext).first_raw())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allegro_table_wins_over_mime_guess() {
        assert_eq!(
            content_type_for_extension("js"),
            Some("application/x-javascript")
        );
        assert_eq!(content_type_for_extension("xml"), Some("text/xml"));
        assert_eq!(content_type_for_extension("rtf"), Some("text/rtf"));
        assert_eq!(content_type_for_extension("JPG"), Some("image/jpeg"));
    }

    #[test]
    fn modern_extensions_come_from_mime_guess() {
        assert_eq!(content_type_for_extension("json"), Some("application/json"));
        assert_eq!(content_type_for_extension("csv"), Some("text/csv"));
        assert_eq!(content_type_for_extension("svg"), Some("image/svg+xml"));
        assert_eq!(
            content_type_for_extension("docx"),
            Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        );
    }

    #[test]
    fn leading_or_trailing_dot_is_no_extension() {
        assert_eq!(content_type_for_path(Path::new("/home/u/.txt")), None);
        assert_eq!(content_type_for_path(Path::new("notes.")), None);
        assert_eq!(content_type_for_path(Path::new("dir.d/noext")), None);
        assert_eq!(
            content_type_for_path(Path::new("files/report.pdf")),
            Some("application/pdf")
        );
        assert_eq!(content_type_for_path(Path::new("a.unknownext")), None);
    }
}
