//! Finding a finding's record, and what the page groups findings by:
//! the record's unit and month, the rule's family.

use std::collections::HashMap;

use crate::report::{Finding, RecordInfo};
use crate::source::{FileId, Span};

/// Where the records are: by kind and id, and by position for related
/// locations.
pub(super) struct Records<'r> {
    pub(super) list: &'r [RecordInfo],
    pub(super) by_id: HashMap<(&'r str, &'r str), usize>,
    pub(super) by_file: HashMap<FileId, Vec<(u32, u32, usize)>>,
    pub(super) unit_labels: HashMap<&'r str, &'r str>,
}

impl<'r> Records<'r> {
    pub(super) fn new(list: &'r [RecordInfo]) -> Records<'r> {
        let mut by_id = HashMap::new();
        let mut by_file: HashMap<FileId, Vec<(u32, u32, usize)>> = HashMap::new();
        let mut unit_labels = HashMap::new();
        for (i, r) in list.iter().enumerate() {
            if !r.rejected {
                by_id.entry((r.kind.as_str(), r.id.as_str())).or_insert(i);
            }
            by_file
                .entry(r.span.file)
                .or_default()
                .push((r.span.start, r.span.end, i));
            if let (Some(unit), Some(label)) = (&r.marked.unit, &r.marked.label)
                && *unit == r.id
            {
                unit_labels.entry(unit.as_str()).or_insert(label.as_str());
            }
        }
        for v in by_file.values_mut() {
            v.sort_unstable();
        }
        Records {
            list,
            by_id,
            by_file,
            unit_labels,
        }
    }

    pub(super) fn of_finding(&self, f: &Finding) -> Option<usize> {
        self.by_id
            .get(&(f.kind.as_str(), f.record.as_str()))
            .copied()
    }

    /// The record whose document holds a position.
    pub(super) fn at(&self, span: Span) -> Option<usize> {
        let v = self.by_file.get(&span.file)?;
        let k = v.partition_point(|&(start, _, _)| start <= span.start);
        let &(start, end, i) = v.get(k.checked_sub(1)?)?;
        (start <= span.start && span.start <= end).then_some(i)
    }

    pub(super) fn unit_label(&self, unit: &str) -> String {
        match self.unit_labels.get(unit) {
            Some(label) => (*label).to_string(),
            None => unit.to_string(),
        }
    }
}

/// The family of a rule: its id up to the last `-` (`SZYD-002` → `SZYD`).
pub fn rule_family(id: &str) -> &str {
    id.rsplit_once('-').map_or(id, |(family, _)| family)
}

/// `YYYY-MM` of a record's `@period` date.
pub(super) fn month_of(r: Option<&RecordInfo>) -> Option<String> {
    let (y, m, _) = r?.marked.period?.ymd();
    Some(format!("{y:04}-{m:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_are_id_prefixes() {
        assert_eq!(rule_family("SZYD-002"), "SZYD");
        assert_eq!(rule_family("X-Y-3"), "X-Y");
        assert_eq!(rule_family("LOCAL"), "LOCAL");
    }
}
