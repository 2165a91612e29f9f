//! Documents as the client names them: their language by extension, and
//! one spelling of each URI.

use tower_lsp::lsp_types::Url;

use crate::workspace;

/// Which language a document is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    /// A `*.rules` file.
    Rules,
    /// A `*.yaml`, `*.yml` or `*.json` record file.
    Records,
    /// Anything else (ignored).
    Other,
}

/// The kind of a document by its name (extensions in any case, as the
/// walk reads them).
pub fn doc_kind(uri: &Url) -> DocKind {
    let path = uri.path();
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    let is = |exts: &[&str]| exts.iter().any(|x| x.eq_ignore_ascii_case(ext));
    if is(workspace::RULE_EXTENSIONS) {
        DocKind::Rules
    } else if is(workspace::RECORD_EXTENSIONS) {
        DocKind::Records
    } else {
        DocKind::Other
    }
}

/// One spelling per file: clients differ in percent-escapes (`%E9` or
/// `%e9`, `(` or `%28`) and in symbolic links, the file system does not.
pub fn normalize(uri: &Url) -> Url {
    match uri.to_file_path() {
        Ok(path) => {
            let path = path.canonicalize().unwrap_or(path);
            Url::from_file_path(path).unwrap_or_else(|()| uri.clone())
        }
        Err(()) => uri.clone(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn document_kinds_ignore_the_case_of_extensions() {
        let kind = |s: &str| doc_kind(&Url::parse(s).unwrap());
        assert_eq!(kind("file:///w/a.RULES"), DocKind::Rules);
        assert_eq!(kind("file:///w/records/A.YAML"), DocKind::Records);
        assert_eq!(kind("file:///w/records/b.Yml"), DocKind::Records);
        assert_eq!(kind("file:///w/records/c.JSON"), DocKind::Records);
        assert_eq!(kind("file:///w/notes.md"), DocKind::Other);
        assert_eq!(kind("file:///w/x.yaml/readme"), DocKind::Other);
    }
}
