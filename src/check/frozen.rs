//! The records an editor is not changing, indexed once: the editor edits
//! one record file at a time (the hot file), and on each edit only that
//! file is read again and laid over the others ([`Store::layered`]); the
//! whole-run values over the others (groups of all records …) are computed
//! once and combined with the hot file's part (`eval::layered`). The
//! findings are those a whole evaluation gives.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use super::eval::{Ev, combines, compute_ahead};
use super::ir::Ir;
use super::store::Store;
use super::value::Value;
use super::{FileSet, Program, findings_of, rule_infos, sort_findings};
use crate::model::Report;
use crate::source::{FileId, SourceMap};

/// What the frozen index is built from.
struct Base {
    program: Arc<Program>,
    /// Every record file but the hot one, in path order.
    files: Vec<Arc<FileSet>>,
}

/// The index of the base's records and the whole-run values over them.
struct BaseIndex<'a> {
    store: Store<'a>,
    cache: Vec<OnceLock<Value<'a>>>,
    /// The values over the base were computed ahead, all at once.
    computed: OnceLock<()>,
}

self_cell::self_cell!(
    struct Cell {
        owner: Base,
        #[not_covariant]
        dependent: BaseIndex,
    }
);

/// Every record file of a workspace but one, indexed once, for evaluating
/// the workspace again and again as that one file changes.
pub struct Frozen {
    cell: Cell,
    /// The file left out: the one being edited.
    hot: FileId,
    /// The hot file's place among the record files, in path order.
    at: usize,
    /// How many of the base's records come before the hot file in path order.
    before: u32,
}

impl std::fmt::Debug for Frozen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Frozen")
            .field("hot", &self.hot)
            .finish_non_exhaustive()
    }
}

impl Frozen {
    /// Index `files` (every record file of the workspace in path order,
    /// the hot file among them) but `hot`.
    pub fn new(program: Arc<Program>, files: &[Arc<FileSet>], hot: FileId) -> Frozen {
        let at = files
            .iter()
            .position(|f| f.file == hot)
            .unwrap_or(files.len());
        let before: usize = files.iter().take(at).map(|f| f.records.len()).sum();
        let base = Base {
            program,
            files: files.iter().filter(|f| f.file != hot).cloned().collect(),
        };
        let cell = Cell::new(base, |base| {
            let sets: Vec<&FileSet> = base.files.iter().map(|f| f.as_ref()).collect();
            let records = sets.iter().flat_map(|f| f.records.iter()).collect();
            let store = super::index(records, &sets, &[], &base.program.schema);
            let cache = (0..base.program.cached.len())
                .map(|_| OnceLock::new())
                .collect();
            BaseIndex {
                store,
                cache,
                computed: OnceLock::new(),
            }
        });
        Frozen {
            cell,
            hot,
            at,
            before: u32::try_from(before).unwrap_or(u32::MAX),
        }
    }

    /// Whether the index is the one [`Frozen::new`] would build from
    /// these arguments: the same program, the same file left out, and the
    /// very record sets of every other file.
    pub fn stands_for(&self, program: &Arc<Program>, files: &[Arc<FileSet>], hot: FileId) -> bool {
        let base = self.cell.borrow_owner();
        self.hot == hot
            && Arc::ptr_eq(&base.program, program)
            && files.len() == base.files.len() + 1
            && files.iter().position(|f| f.file == hot) == Some(self.at)
            && files
                .iter()
                .filter(|f| f.file != hot)
                .zip(&base.files)
                .all(|(a, b)| Arc::ptr_eq(a, b))
    }

    /// How many whole-run values over the index have been computed (and
    /// are kept for the next evaluations).
    pub fn values_kept(&self) -> usize {
        self.cell
            .with_dependent(|_, index| index.cache.iter().filter(|c| c.get().is_some()).count())
    }

    /// Evaluate the workspace with `hot` (this version of the hot file),
    /// reporting the findings and input errors of the `focus` files. None
    /// when this cannot be done over the index: dated rules (one program
    /// per period), or a record found to be bad input during evaluation;
    /// the caller then evaluates the whole workspace.
    pub fn evaluate(&self, hot: &FileSet, focus: &[FileId], sources: &SourceMap) -> Option<Report> {
        if hot.file != self.hot {
            return None;
        }
        self.cell.with_dependent(|base, index| {
            let program: &Program = &base.program;
            if !program.versions.is_empty() {
                return None;
            }
            let base_slot = |slot: usize, inner: &Ir| -> Option<Value<'_>> {
                let cell = index.cache.get(slot)?;
                if let Some(v) = cell.get() {
                    return Some(v.clone());
                }
                let mut ev = Ev::over(program, &index.store, &index.cache);
                let v = ev.eval_closed(inner)?;
                let _ = cell.set(v.clone());
                Some(v)
            };
            let mut store = Store::layered(
                &index.store,
                &hot.records,
                hot.rejected.iter().map(|(k, id)| (*k, id.as_str())),
                self.before,
            );
            store.locator = Some(super::Locator::new(sources, &program.schema));
            // The first evaluation computes every whole-run value it can
            // combine, on all cores, rather than one after another as the
            // rules come to them; a value used inside another comes in an
            // earlier round, so that no two threads compute it.
            if let Some(layer) = &store.layer {
                index.computed.get_or_init(|| {
                    let slots: Vec<usize> = program
                        .cached
                        .iter()
                        .enumerate()
                        .filter(|(_, ir)| combines(ir, &layer.hot_kinds))
                        .map(|(slot, _)| slot)
                        .collect();
                    compute_ahead(program, &slots, |slot, ir| {
                        base_slot(slot, ir);
                    });
                });
            }
            let focus_records: HashSet<u32> = store
                .records
                .iter()
                .enumerate()
                .filter(|(_, r)| focus.contains(&r.file))
                .map(|(i, _)| u32::try_from(i).unwrap_or(u32::MAX))
                .collect();
            let (mut findings, eval_errors, rejections, _) = findings_of(
                program,
                &store,
                sources,
                Some(&focus_records),
                false,
                |_| true,
                Some(&base_slot),
            );
            if !rejections.is_empty() {
                return None;
            }
            sort_findings(&mut findings, sources);
            let mut errors: Vec<_> = std::iter::once(hot)
                .chain(base.files.iter().map(|f| f.as_ref()))
                .filter(|f| focus.contains(&f.file))
                .flat_map(|f| f.errors.iter().cloned())
                .collect();
            errors.extend(eval_errors);
            Some(Report {
                findings,
                errors,
                rules: rule_infos(program),
                today: Some(program.today),
                families: program.families.clone(),
                ..Report::default()
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::check::ir::Op;
    use crate::check::{self, Compiled};
    use crate::source::SourceMap;

    /// Whole-run values are computed ahead in rounds of their depth: each
    /// must come after every value it uses.
    #[test]
    fn a_whole_run_value_is_deeper_than_those_it_uses() {
        let mut sources = SourceMap::new();
        let rules: Vec<_> = check::STANDARD_RULES
            .iter()
            .map(|(n, t)| sources.add(*n, *t))
            .collect();
        let Compiled {
            program, errors, ..
        } = check::compile_files(&sources, &rules, &[], &[], crate::syntax::MAX_NESTING);
        assert!(errors.is_empty(), "{errors:?}");
        let depth: Vec<usize> = program.cached.iter().map(|ir| ir.cached_depth()).collect();
        let mut nested = 0;
        for (slot, ir) in program.cached.iter().enumerate() {
            ir.visit(&mut |node| {
                if let Op::Cached(used, _) = node.op {
                    nested += 1;
                    assert!(depth[used] < depth[slot], "slot {slot} uses {used}");
                }
            });
        }
        // The standard rules group the records they filter (ZJBF-008).
        assert!(nested > 0);
    }
}
