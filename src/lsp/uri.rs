//! Documents as the client names them: URIs to the session's paths and
//! back, and their language by extension.

use std::path::{Path, PathBuf};

use tower_lsp::lsp_types::Url;

use crate::session::{self, DocKind};

/// The session's path of a document: the real path of a `file:` URI (one
/// spelling whatever the client's percent-escapes and symbolic links);
/// any other URI (an unsaved buffer) as a relative path spelling it whole.
pub fn to_path(uri: &Url) -> PathBuf {
    match uri.to_file_path() {
        Ok(path) => session::real_path(&path),
        Err(()) => PathBuf::from(uri.as_str()),
    }
}

/// The URI of a path of the session (see [`to_path`]).
pub fn to_uri(path: &Path) -> Option<Url> {
    if path.is_absolute() {
        Url::from_file_path(path).ok()
    } else {
        Url::parse(&path.to_string_lossy()).ok()
    }
}

/// The kind of a document by its name (extensions in any case, as the
/// walk reads them).
pub fn doc_kind(uri: &Url) -> DocKind {
    session::doc_kind(&to_path(uri))
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

    #[test]
    fn a_uri_goes_to_a_path_and_back() {
        for s in [
            "file:///no/such/dir/%E9%BE%99%E6%BD%AD.yaml",
            "untitled:Untitled-1.rules",
        ] {
            let uri = Url::parse(s).unwrap();
            assert_eq!(to_uri(&to_path(&uri)).as_ref(), Some(&uri), "{s}");
        }
        assert_eq!(
            to_path(&Url::parse("file:///no/such/dir/%E9%BE%99%E6%BD%AD.yaml").unwrap()),
            PathBuf::from("/no/such/dir/龙潭.yaml")
        );
    }
}
