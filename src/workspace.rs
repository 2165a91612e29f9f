//! The file policy: which files under the given paths are read (the walk),
//! how they are read (bounded, regular files only, UTF-8) and how paths are
//! shown. The project model ([`crate::project`]) decides what they mean.

use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::records::Limits;
use crate::source::{FileId, SourceMap, Span};
use crate::syntax;

/// Bounds on input size.
#[derive(Debug, Clone)]
pub struct InputLimits {
    /// Largest file read, in bytes.
    pub max_file_size: u64,
    /// YAML bounds.
    pub yaml: Limits,
    /// Most records checked in one run.
    pub max_records: usize,
    /// Deepest bracket nesting in a rule declaration.
    pub max_expr_depth: usize,
}

impl Default for InputLimits {
    fn default() -> InputLimits {
        InputLimits {
            max_file_size: 64 * 1024 * 1024,
            yaml: Limits::default(),
            max_records: 1_000_000,
            max_expr_depth: syntax::MAX_NESTING,
        }
    }
}

/// Rule files under the given paths: files as given, folders searched
/// recursively for `*.rules` (see [`walk`]). Sorted by path.
pub fn rule_files(paths: &[PathBuf], errors: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let mut w = walk(paths, RULE_EXTENSIONS);
    errors.append(&mut w.errors);
    // A folder given with no rule file in it is most likely a mistyped
    // path or extension: its rules would be missing from the run unseen.
    for (shown, under) in w.empty_folders(paths) {
        let others: Vec<&str> = under
            .iter()
            .filter(|(s, _)| s.reason == SkipReason::Extension)
            .map(|(_, name)| *name)
            .collect();
        let mut help = format!(
            "folders are searched for {} (in any case)",
            pattern(RULE_EXTENSIONS)
        );
        match others.as_slice() {
            [] => {}
            [a] => help.push_str(&format!("; found here: {a}")),
            [a, b] => help.push_str(&format!("; found here: {a}, {b}")),
            [a, b, rest @ ..] => {
                help.push_str(&format!("; found here: {a}, {b} and {} more", rest.len()))
            }
        }
        errors.push(Diagnostic::file_error(shown, "no rule files in this folder").with_help(help));
    }
    w.files.into_iter().map(|(p, _)| p).collect()
}

/// Replace a file's contents all at once: write a temporary file beside it,
/// then rename it over the original, so a crash never leaves half a file.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.sunlight-tmp-{}", std::process::id()));
    std::fs::write(&tmp, text)?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Write a command's output to standard output, all of it; `Err` holds the
/// message to show when it cannot be written (a full disk). A reader that
/// has gone away (`sunlight explain | head -1`) is not an error: it read
/// what it wanted, and the command keeps its exit code, so that the code
/// never depends on when the pipe closed.
pub fn write_stdout(text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("cannot write to standard output: {e}"))
        }
        _ => Ok(()),
    }
}

/// Record files under the given paths: files as given, folders searched
/// recursively for `*.yaml`, `*.yml` and `*.json` (see [`walk`]). Sorted by path.
pub fn record_files(paths: &[PathBuf], errors: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let mut w = walk(paths, RECORD_EXTENSIONS);
    errors.append(&mut w.errors);
    w.files.into_iter().map(|(p, _)| p).collect()
}

/// Extensions of record files, compared without regard to case.
pub const RECORD_EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

/// Extension of rule files, compared without regard to case.
pub const RULE_EXTENSIONS: &[&str] = &["rules"];

/// Why a walk passed over a file or folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SkipReason {
    /// Its name starts with `.`.
    Hidden,
    /// A file whose extension is not one the walk reads.
    Extension,
    /// A folder named `target`: build output, not records.
    Build,
}

impl SkipReason {
    /// `hidden`, `other extension` or `build output`, as reports show it.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Hidden => "hidden",
            SkipReason::Extension => "other extension",
            SkipReason::Build => "build output",
        }
    }
}

/// A file or folder inside a given folder that was not read.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Skipped {
    /// The path as shown in output.
    pub path: String,
    /// Why.
    pub reason: SkipReason,
}

/// What a walk over the given paths found.
#[derive(Debug, Default)]
pub struct Walk {
    /// Files to read, sorted by path, each file once, with the index of
    /// the given path it was found under.
    pub files: Vec<(PathBuf, usize)>,
    /// Hidden entries and files of other extensions, sorted by path.
    pub skipped: Vec<Skipped>,
    /// Paths that cannot be read, and links that are not followed.
    pub errors: Vec<Diagnostic>,
    /// For each given path, whether a file to read was found under it
    /// (before a file found under two given paths is kept once).
    pub found_under: Vec<bool>,
}

impl Walk {
    /// The given folders with nothing found to read under them, each as
    /// shown (`.` for the current folder, however written) with the
    /// entries skipped under it and their names within it: a folder given
    /// and found empty is most likely a mistyped path, and what it does
    /// hold tells how.
    pub fn empty_folders<'a>(
        &'a self,
        paths: &[PathBuf],
    ) -> Vec<(String, Vec<(&'a Skipped, &'a str)>)> {
        paths
            .iter()
            .enumerate()
            .filter(|(i, given)| {
                given.is_dir() && !self.found_under.get(*i).copied().unwrap_or(false)
            })
            .map(|(_, given)| {
                let shown = match display_path(given) {
                    s if s.is_empty() => ".".to_string(),
                    s => s,
                };
                let under = self
                    .skipped
                    .iter()
                    .filter_map(|s| match shown.as_str() {
                        "." => Some((s, s.path.as_str())),
                        _ => Some((s, Path::new(&s.path).strip_prefix(&shown).ok()?.to_str()?)),
                    })
                    .collect();
                (shown, under)
            })
            .collect()
    }
}

/// One folder met on the walk.
struct Entry {
    /// As shown: the given path joined with the names below it.
    shown: PathBuf,
    /// Where it really is, links resolved.
    real: PathBuf,
    /// Reached through a symbolic link.
    linked: bool,
}

/// What a walk collects on its way.
struct Walker<'a> {
    exts: &'a [&'a str],
    /// Canonical given paths (and whether each is a folder): the bounds
    /// links must stay within.
    roots: Vec<(PathBuf, bool)>,
    /// Folders read: as shown, where they really are, and the index of the
    /// given path they were read under. Each given path is walked whole
    /// (`. sub` reads `sub` under both); files are read once either way.
    visited: Vec<(PathBuf, PathBuf, usize)>,
    /// Files found: as shown, where they really are, the given path's index.
    found: Vec<(PathBuf, PathBuf, usize)>,
    /// Set while reading a folder already read under another given path
    /// (`sub` of `. sub`): its files are found again, its skipped entries
    /// and errors are not reported twice.
    quiet: bool,
    out: Walk,
}

/// Walk the given paths: the file policy shared by the command line and
/// the language server.
///
/// - A given file is read whatever its extension; a given folder is searched
///   recursively for files with one of `exts` (in any case).
/// - Hidden files and folders (name starting with `.`) and files of other
///   extensions inside a given folder are skipped and listed in
///   [`Walk::skipped`].
/// - Only regular files are read: a FIFO, socket or device is an error, and
///   is never opened.
/// - A symbolic link is followed only when its target stays inside the
///   given paths; otherwise it is an error naming the link (the target is
///   neither read nor shown).
/// - A folder reached twice (a link back up the tree) is read once; a file
///   reached twice is read once, under the first path in sorted order.
pub fn walk(paths: &[PathBuf], exts: &[&str]) -> Walk {
    walk_keeping(paths, exts, |_, _, _| true)
}

/// Like [`walk`], keeping only the files `keep` accepts (as shown, where
/// it really is with no link in the way, and the index of the given path
/// it was found under), before each file is kept once, so that
/// [`Walk::found_under`] tells which given paths hold one.
pub fn walk_keeping(
    paths: &[PathBuf],
    exts: &[&str],
    keep: impl Fn(&Path, &Path, usize) -> bool,
) -> Walk {
    let mut walker = Walker {
        exts,
        roots: paths
            .iter()
            .filter_map(|p| {
                let real = p.canonicalize().ok()?;
                let is_dir = real.is_dir();
                Some((real, is_dir))
            })
            .collect(),
        visited: Vec::new(),
        found: Vec::new(),
        quiet: false,
        out: Walk::default(),
    };
    for (index, given) in paths.iter().enumerate() {
        walker.given(given, index);
    }
    let Walker {
        mut found, mut out, ..
    } = walker;
    found.retain(|(shown, real, index)| keep(shown, real, *index));
    found.sort();
    out.found_under = vec![false; paths.len()];
    for (_, _, index) in &found {
        if let Some(f) = out.found_under.get_mut(*index) {
            *f = true;
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (shown, real, index) in found {
        if seen.insert(real) {
            out.files.push((shown, index));
        }
    }
    out.skipped.sort();
    out
}

/// Why an entry named `name` inside a given folder is passed over by the
/// walk whatever its extension: hidden (`.github`, `.vscode/settings.json`),
/// or a folder of build output (`target`). The one place this is decided,
/// for the walk and for documents an editor opens.
pub fn skipped_name(name: &std::ffi::OsStr, is_dir: bool) -> Option<SkipReason> {
    if name.to_string_lossy().starts_with('.') {
        Some(SkipReason::Hidden)
    } else if is_dir && name == "target" {
        Some(SkipReason::Build)
    } else {
        None
    }
}

/// `*.yaml, *.yml and *.json`.
fn pattern(exts: &[&str]) -> String {
    let globs: Vec<String> = exts.iter().map(|e| format!("*.{e}")).collect();
    match globs.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => globs.join(""),
    }
}

fn not_regular(shown: &str) -> Diagnostic {
    Diagnostic::file_error(
        shown,
        "not a regular file (a FIFO, socket or device): not read",
    )
    .with_help("only regular files are read; copy the records into a file")
}

fn broken_link(shown: &str) -> Diagnostic {
    Diagnostic::file_error(shown, "symbolic link to a file that does not exist")
        .with_help("fix or remove the link")
}

/// Whether a file's extension is one of `exts`, in any case.
pub(crate) fn has_extension(name: &Path, exts: &[&str]) -> bool {
    name.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| exts.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

impl Walker<'_> {
    fn inside(&self, real: &Path) -> bool {
        self.roots.iter().any(|(root, is_dir)| {
            if *is_dir {
                real.starts_with(root)
            } else {
                real == root
            }
        })
    }

    fn skip(&mut self, path: String, reason: SkipReason) {
        if !self.quiet {
            self.out.skipped.push(Skipped { path, reason });
        }
    }

    fn error(&mut self, d: Diagnostic) {
        if !self.quiet {
            self.out.errors.push(d);
        }
    }

    /// A path given on the command line.
    fn given(&mut self, given: &Path, index: usize) {
        let shown = display_path(given);
        let real = match given.canonicalize() {
            Ok(r) => r,
            Err(_) if given.symlink_metadata().is_ok() => return self.error(broken_link(&shown)),
            Err(_) => {
                let help = format!(
                    "check the path; folders are searched for {}",
                    pattern(self.exts)
                );
                return self.error(
                    Diagnostic::file_error(&shown, "no such file or folder").with_help(help),
                );
            }
        };
        match std::fs::metadata(&real) {
            Ok(m) if m.is_dir() => self.dir(
                Entry {
                    shown: given.to_path_buf(),
                    real,
                    linked: false,
                },
                index,
            ),
            Ok(m) if m.is_file() => self.found.push((given.to_path_buf(), real, index)),
            Ok(_) => self.error(not_regular(&shown)),
            Err(e) => self.error(Diagnostic::file_error(&shown, format!("cannot read: {e}"))),
        }
    }

    /// A folder and everything under it, in name order.
    fn dir(&mut self, top: Entry, index: usize) {
        let mut stack = vec![top];
        while let Some(dir) = stack.pop() {
            self.quiet = self
                .visited
                .iter()
                .any(|(_, real, under)| *real == dir.real && *under != index);
            if let Some((first, _, _)) = self
                .visited
                .iter()
                .find(|(_, real, under)| *real == dir.real && *under == index)
            {
                // A link back to a folder already read (`loop -> .`): reading
                // it again would read its records twice, or forever.
                if dir.linked {
                    let message = format!(
                        "symbolic link to a folder already read (`{}`): not read again",
                        display_path(first)
                    );
                    self.error(Diagnostic {
                        level: crate::diag::Level::Warning,
                        ..Diagnostic::file_error(display_path(&dir.shown), message)
                            .with_help("remove the link; its files are read once either way")
                    });
                }
                continue;
            }
            self.visited
                .push((dir.shown.clone(), dir.real.clone(), index));
            let entries = match std::fs::read_dir(&dir.real) {
                Ok(e) => e,
                Err(e) => {
                    self.error(Diagnostic::file_error(
                        display_path(&dir.shown),
                        format!("cannot read folder: {e}"),
                    ));
                    continue;
                }
            };
            let mut entries: Vec<std::fs::DirEntry> = entries.filter_map(Result::ok).collect();
            entries.sort_by_key(std::fs::DirEntry::file_name);
            let mut subdirs = Vec::new();
            for e in entries {
                if let Some(sub) = self.entry(&dir, &e, index) {
                    subdirs.push(sub);
                }
            }
            // Popped in name order.
            stack.extend(subdirs.into_iter().rev());
        }
        self.quiet = false;
    }

    /// One entry of a folder: a file is recorded, a folder returned.
    fn entry(&mut self, dir: &Entry, e: &std::fs::DirEntry, index: usize) -> Option<Entry> {
        let name = e.file_name();
        let shown = dir.shown.join(&name);
        let shown_str = display_path(&shown);
        if let Some(reason) = skipped_name(&name, false) {
            self.skip(shown_str, reason);
            return None;
        }
        let Ok(kind) = e.file_type() else {
            self.error(Diagnostic::file_error(&shown_str, "cannot read"));
            return None;
        };
        let wanted = has_extension(&shown, self.exts);
        let real = if kind.is_symlink() {
            match std::fs::canonicalize(e.path()) {
                Ok(real) => real,
                Err(_) if wanted => {
                    self.error(broken_link(&shown_str));
                    return None;
                }
                Err(_) => {
                    self.skip(shown_str, SkipReason::Extension);
                    return None;
                }
            }
        } else {
            dir.real.join(&name)
        };
        // A link is followed to what it names; any other entry is what the
        // folder's listing says, with no call of its own: an archive has
        // thousands of files.
        let (is_dir, is_file) = if kind.is_symlink() {
            match std::fs::metadata(&real) {
                Ok(m) => (m.is_dir(), m.is_file()),
                Err(err) => {
                    self.error(Diagnostic::file_error(
                        &shown_str,
                        format!("cannot read: {err}"),
                    ));
                    return None;
                }
            }
        } else {
            (kind.is_dir(), kind.is_file())
        };
        if !is_dir && !wanted {
            self.skip(shown_str, SkipReason::Extension);
            return None;
        }
        if kind.is_symlink() && !self.inside(&real) {
            self.error(
                Diagnostic::file_error(
                    &shown_str,
                    "symbolic link to a place outside the paths being checked: not read",
                )
                .with_help(
                    "links are followed only within the files and folders given; give the target's folder too, or copy the file in",
                ),
            );
            return None;
        }
        if is_dir {
            if let Some(reason) = skipped_name(&name, true) {
                self.skip(shown_str, reason);
                return None;
            }
            return Some(Entry {
                shown,
                real,
                linked: kind.is_symlink(),
            });
        }
        if is_file {
            self.found.push((shown, real, index));
        } else {
            self.error(not_regular(&shown_str));
        }
        None
    }
}

/// Why a file could not be read by [`read_bounded`].
#[derive(Debug)]
pub enum ReadError {
    /// Larger than the limit (its size, when known).
    TooLarge(Option<u64>),
    /// A FIFO, socket, device or folder.
    NotRegular,
    /// Any other failure.
    Io(std::io::Error),
}

impl ReadError {
    /// The error as a diagnostic about the file `name`.
    pub fn diagnostic(&self, name: &str, limit: u64) -> Diagnostic {
        match self {
            ReadError::TooLarge(size) => Diagnostic::file_error(
                name,
                match size {
                    Some(n) => format!("file is {n} bytes, more than the limit of {limit} bytes"),
                    None => format!("file is more than the limit of {limit} bytes"),
                },
            )
            .with_help("split the file, or raise the limit with --max-file-size"),
            ReadError::NotRegular => not_regular(name),
            ReadError::Io(e) => Diagnostic::file_error(name, format!("cannot read file: {e}")),
        }
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::TooLarge(_) => f.write_str("file is too large"),
            ReadError::NotRegular => f.write_str("not a regular file"),
            ReadError::Io(e) => e.fmt(f),
        }
    }
}

/// Read a regular file of at most `limit` bytes. Anything else is refused
/// before it is opened (a FIFO would block, `/dev/zero` never ends), and the
/// read itself stops past the limit, should the file grow meanwhile.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::new();
    read_bounded_into(path, limit, &mut bytes)?;
    Ok(bytes)
}

/// [`read_bounded`] into `bytes`, emptied first: a run that reads
/// thousands of files reads them into one buffer a thread, which takes no
/// fresh memory for each file.
pub fn read_bounded_into(path: &Path, limit: u64, bytes: &mut Vec<u8>) -> Result<(), ReadError> {
    use std::io::Read;
    bytes.clear();
    let meta = std::fs::metadata(path).map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge(Some(meta.len())));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    // Should the file be swapped for a FIFO after the check above, opening
    // it must not block.
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    // Sized once from the file's length (growing it read by read copies
    // a large file a dozen times); the limit still bounds what is read.
    let expected = usize::try_from(meta.len().min(limit).saturating_add(1)).unwrap_or(0);
    // Exactly: a buffer kept for the next file is not doubled past need.
    bytes.reserve_exact(expected);
    file.take(limit.saturating_add(1))
        .read_to_end(bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(None));
    }
    Ok(())
}

/// [`read_bounded`] as text; bytes that are not UTF-8 are an I/O error.
pub fn read_text_bounded(path: &Path, limit: u64) -> Result<String, ReadError> {
    String::from_utf8(read_bounded(path, limit)?).map_err(|e| {
        ReadError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "not valid UTF-8 (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        ))
    })
}

/// Read a file into the source map through the file policy's bounded
/// reader (regular files only, within the size limit); problems become
/// diagnostics.
pub fn read_into(
    sources: &mut SourceMap,
    path: &Path,
    limits: &InputLimits,
    errors: &mut Vec<Diagnostic>,
) -> Option<FileId> {
    let name = display_path(path);
    let bytes = match read_bounded(path, limits.max_file_size) {
        Ok(bytes) => bytes,
        Err(e) => {
            errors.push(e.diagnostic(&name, limits.max_file_size));
            return None;
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => Some(sources.add(name, text)),
        Err(e) => {
            let id = sources.add_pending(name);
            errors.push(keep_not_utf8(sources, id, e.as_bytes(), e.utf8_error()));
            None
        }
    }
}

/// Keep file `id`, whose `bytes` are not UTF-8 (`e` says where), with its
/// bad bytes shown as U+FFFD, so that the error returned can point at its
/// line and column. Its records are not read.
pub(crate) fn keep_not_utf8(
    sources: &mut SourceMap,
    id: FileId,
    bytes: &[u8],
    e: std::str::Utf8Error,
) -> Diagnostic {
    // The valid prefix is unchanged, so `at` is still its offset.
    let at = e.valid_up_to();
    sources.replace(id, String::from_utf8_lossy(bytes).into_owned());
    let end = at + char::REPLACEMENT_CHARACTER.len_utf8();
    Diagnostic::error(
        Span::new(id, at, end),
        format!("file is not valid UTF-8 (invalid byte at offset {at})"),
    )
    .with_label(match e.error_len() {
        Some(_) => "not UTF-8",
        None => "the file ends inside a character",
    })
    .with_help(
        if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
            "the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8"
        } else {
            "save the file as UTF-8"
        },
    )
}

/// A path as shown in output: as given, with `/` separators.
pub fn display_path(path: &Path) -> String {
    let s = path.display().to_string();
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}
