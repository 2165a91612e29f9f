//! A check run over record paths: the files read and validated in
//! parallel, their texts not kept, the rules evaluated, the records let
//! go as the report lists them, and the texts the report points into read
//! again.

use std::borrow::Cow;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use super::{RuleSet, record_walk};
use crate::check;
use crate::diag::Diagnostic;
use crate::report::Report;
use crate::source::{FileId, SourceMap};
use crate::workspace::{InputLimits, display_path, keep_not_utf8, read_bounded_into};

/// Check record files with a compiled rule set: the whole `sunlight check`.
/// The record files are added to `sources` with their texts released
/// (see [`SourceMap::set_read`]), but for the files the report points
/// into, whose texts are back.
pub fn check_paths(
    sources: &mut SourceMap,
    rules: &RuleSet,
    paths: &[PathBuf],
    limits: &InputLimits,
) -> Report {
    let options = RunOptions {
        progress: false,
        list_records: true,
    };
    check_paths_showing(sources, rules, paths, limits, options)
}

/// What a check run shows besides its findings.
#[derive(Clone, Copy, Debug)]
pub struct RunOptions {
    /// A line on standard error tells how many files were read and how
    /// many records are being checked, rewritten in place (for a
    /// terminal) and cleared at the end.
    pub progress: bool,
    /// The report lists every record read ([`Report::records`]), as the
    /// HTML and JUnit reports show them. Without, the list is left empty:
    /// a large run is spared reading every record's marked fields.
    pub list_records: bool,
}

/// Like [`check_paths`], with `options`; the input problems are in place
/// order ([`check::sort_errors`]).
pub fn check_paths_showing(
    sources: &mut SourceMap,
    rules: &RuleSet,
    paths: &[PathBuf],
    limits: &InputLimits,
    options: RunOptions,
) -> Report {
    let progress = options.progress;
    let mut errors = rules.errors.clone();
    let mut walked = record_walk(paths, &rules.not_records);
    errors.append(&mut walked.errors);
    let files = std::mem::take(&mut walked.files);
    // A folder given with no record file in it is most likely a mistyped
    // path: a run that checked nothing must not pass.
    for (shown, skipped) in walked.empty_folders(paths) {
        let mut help = "folders are searched for *.yaml, *.yml and *.json (in any case); hidden files and folders are skipped".to_string();
        if !skipped.is_empty() {
            help.push_str(&format!(
                "; {} skipped here, listed with --verbose",
                skipped.len()
            ));
        }
        errors
            .push(Diagnostic::file_error(shown, "no record files in this folder").with_help(help));
    }
    let files: Vec<PathBuf> = files.into_iter().map(|(f, _)| f).collect();
    let schema = &rules.program.schema;
    let (files_read, records_read) = (AtomicUsize::new(0), AtomicUsize::new(0));
    // Files are read and their records validated in parallel; the results
    // come back in path order, with ids given in path order beforehand, so
    // that the report is the same on any number of threads. Each thread
    // reads its files into a buffer of its own and keeps only their
    // records: a large run holds the records, not the text, which is read
    // again at the end for the files the report shows.
    let ids: Vec<FileId> = files
        .iter()
        .map(|f| sources.add_pending(display_path(f)))
        .collect();
    let read: Vec<FileRead> = files
        .par_iter()
        .zip(&ids)
        // Each file a task of its own: left to split as it likes, rayon
        // hands a thread a run of files whole and, once the other thread
        // is done, leaves it waiting for the end of that run.
        .with_max_len(1)
        .map(|(path, &id)| {
            // Nothing in reading one file reads another on this thread; were
            // it to, that file would be read into a buffer of its own.
            let read = READ_BUFFER.with(|buffer| match buffer.try_borrow_mut() {
                Ok(mut buffer) => {
                    let read = read_record_file(path, id, &mut buffer, schema, limits);
                    if buffer.capacity() > KEPT_BUFFER {
                        *buffer = Vec::new();
                    }
                    read
                }
                Err(_) => read_record_file(path, id, &mut Vec::new(), schema, limits),
            });
            if progress {
                let records = match &read {
                    FileRead::Read { set, .. } => set.records_read(),
                    _ => 0,
                };
                let before = records_read.fetch_add(records, Ordering::Relaxed);
                let done = files_read.fetch_add(1, Ordering::Relaxed) + 1;
                if done % 64 == 0 || done == files.len() {
                    eprint!(
                        "\r{done} of {} files read, {} records",
                        files.len(),
                        before + records
                    );
                }
            }
            read
        })
        .collect();
    let mut sets: Vec<check::FileSet> = Vec::with_capacity(files.len());
    let mut unreadable = 0;
    for ((read, id), path) in read.into_iter().zip(ids).zip(&files) {
        match read {
            FileRead::Read { set, len, digest } => {
                sources.set_read(id, path, len, digest);
                sets.push(set);
            }
            FileRead::NotUtf8(bytes, e) => {
                errors.push(keep_not_utf8(sources, id, &bytes, e));
                unreadable += 1;
            }
            FileRead::Unreadable(d) => {
                errors.push(d);
                unreadable += 1;
            }
        }
    }
    errors.extend(files_without_records(&sets, sources));
    let mut files = Vec::with_capacity(sets.len());
    let mut read = 0;
    let total = sets.len();
    for (n, mut set) in sets.into_iter().enumerate() {
        let id = set.file;
        read += set.records_read();
        if read > limits.max_records {
            // The records of this file were read: they are reported as not
            // checked rather than left out of the counts, and references to
            // them still resolve.
            set.reject_all(&rules.program.schema);
            files.push(set);
            errors.push(
                Diagnostic::file_error(
                    sources.name(id),
                    format!(
                        "more than {} records: this file and the {} after it were not checked",
                        limits.max_records,
                        total - n - 1
                    ),
                )
                .with_help("check fewer files at a time, or raise the limit with --max-records"),
            );
            unreadable += total - n - 1;
            break;
        }
        files.push(set);
    }
    let refs: Vec<&check::FileSet> = files.iter().collect();
    if progress {
        let records: usize = files.iter().map(|f| f.records.len()).sum();
        eprint!(
            "\r\x1b[K{} files read, checking {records} records against {} rules…",
            files.len(),
            rules.program.rules.len()
        );
    }
    let check::Evaluation {
        mut report,
        late_rejected,
    } = check::evaluate_rules(&rules.program, &refs, sources, None);
    if progress {
        eprint!("\r\x1b[K");
    }
    drop(refs);
    if options.list_records {
        // The records are let go as their list is made: at no time are
        // both whole.
        let files = files.into_iter().map(Cow::Owned).collect();
        report.records = check::record_infos(&rules.program.schema, files, &late_rejected);
    } else {
        // Freed before the texts shown are read back below, not beside
        // them: a million records leave 4,400 files with findings, 380 MB
        // of text, which would come on top of the records' memory. The
        // report waits for the freeing, done on all cores as the reading
        // was; at a million records that wait is within the noise of a
        // run. (On one thread, freeing them on a thread of their own would
        // also make their freeing and the reading back wait on each other
        // in the one allocator arena: a million records, 72 s instead of
        // 64.)
        files.into_par_iter().for_each(drop);
    }
    report.summary.files += unreadable;
    errors.append(&mut report.errors);
    report.errors = errors;
    report.skipped = walked.skipped;
    report.configuration = rules.configuration.clone();
    restore_shown(sources, &mut report);
    check::sort_errors(&mut report.errors, sources);
    report
}

thread_local! {
    /// The buffer each thread reads record files into.
    static READ_BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// A read buffer grown past this, by a large file, is let go once the
/// file is read, rather than held by its thread for the rest of the run.
const KEPT_BUFFER: usize = 8 << 20;

/// What reading one record file gave.
enum FileRead {
    /// Its records, and the length and digest of its text.
    Read {
        set: check::FileSet,
        len: u64,
        digest: crate::source::TextDigest,
    },
    /// Its bytes, which are not UTF-8 for the reason given.
    NotUtf8(Vec<u8>, std::str::Utf8Error),
    /// It could not be read.
    Unreadable(Diagnostic),
}

/// Read the record file `path`, whose id is `id`, into `buffer`, and its
/// records from it.
fn read_record_file(
    path: &Path,
    id: FileId,
    buffer: &mut Vec<u8>,
    schema: &crate::schema::Schema,
    limits: &InputLimits,
) -> FileRead {
    if let Err(e) = read_bounded_into(path, limits.max_file_size, buffer) {
        return FileRead::Unreadable(e.diagnostic(&display_path(path), limits.max_file_size));
    }
    match crate::source::utf8(buffer) {
        Ok(text) => FileRead::Read {
            set: check::read_file_text(id, text, schema, &limits.yaml),
            len: text.len() as u64,
            digest: crate::source::digest(text),
        },
        Err(e) => FileRead::NotUtf8(buffer.clone(), e),
    }
}

/// A warning for each file read that holds no record (empty, or only
/// comments and `---`) and no error: it was most likely meant to hold
/// some. When no file of the run holds a record, they are errors: a run
/// that checked nothing must not pass.
fn files_without_records(sets: &[check::FileSet], sources: &SourceMap) -> Vec<Diagnostic> {
    let nothing_read = sets.iter().all(|s| s.records_read() == 0);
    sets.iter()
        .filter(|s| s.records_read() == 0 && s.errors.is_empty())
        .map(|s| {
            let name = sources.name(s.file);
            let message = "this file holds no record";
            if nothing_read {
                Diagnostic::file_error(name, message).with_help(
                    "no file given holds a record, so nothing was checked: give the files that hold the records",
                )
            } else {
                Diagnostic::file_warning(name, message)
                    .with_help("remove the file, or write its records into it")
            }
        })
        .collect()
}

/// Bring back the released texts of the files `report` points into, so
/// that it can be shown with lines, columns and snippets. A file that no
/// longer holds what was checked stays without positions, and a warning
/// says so.
pub fn restore_shown(sources: &mut SourceMap, report: &mut Report) {
    let spans = report
        .findings
        .iter()
        .flat_map(|f| std::iter::once(f.span).chain(f.related.iter().map(|r| r.span)))
        .chain(
            report
                .errors
                .iter()
                .flat_map(|d| d.span.into_iter().chain(d.related.iter().map(|l| l.span))),
        )
        // A record without an id is named by its line.
        .chain(
            report
                .records
                .iter()
                .filter(|r| r.id.is_empty())
                .map(|r| r.span),
        );
    let files: Vec<FileId> = spans.map(|s| s.file).collect();
    for id in sources.restore(files) {
        report.errors.push(
            Diagnostic::file_warning(
                sources.name(id),
                "the file changed or was removed while it was checked: what the report says of it is shown without lines, columns or source",
            )
            .with_help("check again once the file is in place and no longer being written"),
        );
    }
}

/// Free `value` on a thread of its own: an editor's index of the records
/// it is not changing takes a noticeable time to free (0.4 s for 81,000
/// records), which is no reason to keep an answer waiting. Where no
/// thread can be had, it is freed here.
pub(crate) fn free_apart<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new().spawn(move || drop(value));
}
