//! The marked fields of a record (`@unit`, `@label`, `@period`,
//! `@personal`): what the report's table of records shows of each one.

use std::collections::HashMap;

use super::{Data, Datum, FieldTy, KindId, Mark, Schema, StructId};
use crate::date::Date;

/// What the marked fields of one record hold (see [`Mark`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Marked {
    /// The id of the unit the record belongs to (its own id for a unit).
    pub unit: Option<String>,
    /// Set while `unit` is still the id of a record of this kind that
    /// itself belongs to a unit (an application's power, which belongs to
    /// an org): [`resolve_units`] replaces it by that record's unit.
    pub unit_via: Option<String>,
    /// The text shown for the record.
    pub label: Option<String>,
    /// The first `@period` date.
    pub period: Option<Date>,
    /// Every `@personal` text, in document order, without repeats.
    pub names: Vec<String>,
}

impl Schema {
    /// Whether records of `kind` name their unit in a `@unit` field.
    fn has_unit_field(&self, kind: KindId) -> bool {
        let Some(s) = self.kinds.get(kind).and_then(|k| self.structs.get(k.root)) else {
            return false;
        };
        s.fields.iter().any(|f| f.marks.contains(&Mark::Unit))
            || s.tag
                .iter()
                .flat_map(|t| t.variants.iter().flat_map(|v| v.marks.iter()))
                .any(|(_, m)| *m == Mark::Unit)
    }

    /// The kinds `@unit` fields refer to that name no unit of their own:
    /// their records are units.
    pub fn unit_kinds(&self) -> Vec<KindId> {
        let mut out = Vec::new();
        for s in &self.structs {
            let variant_marks = s
                .tag
                .iter()
                .flat_map(|t| t.variants.iter().flat_map(|v| v.marks.iter()));
            let marked = s
                .fields
                .iter()
                .enumerate()
                .flat_map(|(i, f)| f.marks.iter().map(move |m| (i, *m)))
                .chain(variant_marks.copied());
            for (slot, mark) in marked {
                if let (Mark::Unit, Some(FieldTy::Ref(k))) =
                    (mark, s.fields.get(slot).map(|f| &f.ty))
                    && !out.contains(k)
                    && !self.has_unit_field(*k)
                {
                    out.push(*k);
                }
            }
        }
        out
    }

    /// What the marked fields of a record of `kind` hold; `unit_kinds` as
    /// [`Schema::unit_kinds`] returns them.
    pub fn marked(&self, kind: KindId, id: &str, root: &Datum, unit_kinds: &[KindId]) -> Marked {
        let mut out = Marked::default();
        if unit_kinds.contains(&kind) {
            out.unit = Some(id.to_string());
        }
        if let Some(k) = self.kinds.get(kind) {
            self.walk_marks(k.root, root, &mut out, 0);
        }
        out
    }

    fn walk_marks(&self, sid: StructId, datum: &Datum, out: &mut Marked, depth: usize) {
        // Schemas cannot nest structs without bound, but records can be deep.
        if depth > 64 {
            return;
        }
        let (Some(s), Some(slots)) = (self.structs.get(sid), datum.data.fields()) else {
            return;
        };
        let variant = s
            .tag
            .as_ref()
            .and_then(|t| t.variants.get(slots.variant() as usize));
        for (i, d) in slots.iter().enumerate() {
            let Some(field) = s.fields.get(i) else {
                continue;
            };
            let marks = field.marks.iter().copied().chain(
                variant
                    .iter()
                    .flat_map(|v| v.marks.iter())
                    .filter(|(slot, _)| *slot == i)
                    .map(|(_, m)| *m),
            );
            for mark in marks {
                match (mark, d.data.as_text(), &d.data) {
                    (Mark::Unit, Some(t), _) if out.unit.is_none() => {
                        out.unit = Some(t.to_string());
                        // A reference to a record that has a unit of its own:
                        // the unit is that record's, found once all are read.
                        if let FieldTy::Ref(k) = &field.ty
                            && self.has_unit_field(*k)
                        {
                            out.unit_via = self.kinds.get(*k).map(|k| k.name.clone());
                        }
                    }
                    (Mark::Label, Some(t), _) if out.label.is_none() => {
                        out.label = Some(t.to_string());
                    }
                    (Mark::Period, _, Data::Date(t)) if out.period.is_none() => {
                        out.period = Some(*t);
                    }
                    (Mark::Personal, _, _) => {
                        let texts = d
                            .data
                            .as_list()
                            .unwrap_or(std::slice::from_ref(d))
                            .iter()
                            .filter_map(|e| e.data.as_text());
                        for t in texts {
                            if !t.trim().is_empty() && !out.names.iter().any(|n| n == t) {
                                out.names.push(t.to_string());
                            }
                        }
                    }
                    _ => {}
                }
            }
            let elem = match &field.ty {
                FieldTy::List(t) | FieldTy::OneOrList(t) => t,
                t => t,
            };
            if let FieldTy::Struct(inner) = elem {
                match d.data.as_list() {
                    Some(list) => {
                        for e in list {
                            self.walk_marks(*inner, e, out, depth + 1);
                        }
                    }
                    None => self.walk_marks(*inner, d, out, depth + 1),
                }
            }
        }
    }
}

/// Follow `unit_via` links: a record whose `@unit` names a record that
/// belongs to a unit itself (application → power → org) gets that unit.
/// `records` holds (kind name, id, marks); links are followed a bounded
/// number of times, and a link to a missing record leaves no unit.
pub fn resolve_units<'a>(records: impl Iterator<Item = (&'a str, &'a str, &'a mut Marked)>) {
    let mut records: Vec<(&str, &str, &mut Marked)> = records.collect();
    // Each record by kind and id (the last one, for an id used twice).
    let index: HashMap<(&str, &str), usize> = records
        .iter()
        .enumerate()
        .map(|(i, (k, id, _))| ((*k, *id), i))
        .collect();
    for _ in 0..8 {
        // Every link of this round reads the units as the round found them.
        let mut changes: Vec<(usize, Option<String>)> = Vec::new();
        for (i, (_, _, m)) in records.iter().enumerate() {
            let (Some(via), Some(unit)) = (&m.unit_via, &m.unit) else {
                continue;
            };
            let target = index
                .get(&(via.as_str(), unit.as_str()))
                .and_then(|&j| records.get(j))
                .map(|(_, _, t)| t);
            match target {
                // Wait until the referenced record's own unit is resolved.
                Some(t) if t.unit_via.is_some() => {}
                Some(t) => changes.push((i, t.unit.clone())),
                None => changes.push((i, None)),
            }
        }
        if changes.is_empty() {
            break;
        }
        for (i, unit) in changes {
            if let Some((_, _, m)) = records.get_mut(i) {
                m.unit = unit;
                m.unit_via = None;
            }
        }
    }
    // A cycle of links: no unit.
    for (_, _, m) in records {
        if m.unit_via.take().is_some() {
            m.unit = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_follow_links_across_kinds_and_stop_at_cycles_and_gaps() {
        // (kind, id, unit, unit_via)
        let rows = [
            ("org", "o1", Some("o1"), None),
            ("power", "p1", Some("o1"), None),
            // Two hops: application → power → org.
            ("application", "a1", Some("p1"), Some("power")),
            ("application", "a2", Some("x1"), Some("application")),
            ("application", "x1", Some("a1"), Some("application")),
            // A link to no record.
            ("application", "a3", Some("p9"), Some("power")),
            // A cycle.
            ("application", "c1", Some("c2"), Some("application")),
            ("application", "c2", Some("c1"), Some("application")),
            // An id used twice: the last record is the one linked to.
            ("power", "p2", Some("o1"), None),
            ("power", "p2", Some("o2"), None),
            ("application", "a4", Some("p2"), Some("power")),
        ];
        let mut marks: Vec<Marked> = rows
            .iter()
            .map(|(_, _, unit, via)| Marked {
                unit: unit.map(str::to_string),
                unit_via: via.map(str::to_string),
                ..Marked::default()
            })
            .collect();
        resolve_units(
            rows.iter()
                .zip(marks.iter_mut())
                .map(|((kind, id, _, _), m)| (*kind, *id, m)),
        );
        let units: Vec<Option<&str>> = marks.iter().map(|m| m.unit.as_deref()).collect();
        assert_eq!(
            units,
            [
                Some("o1"),
                Some("o1"),
                Some("o1"),
                Some("o1"),
                Some("o1"),
                None,
                None,
                None,
                Some("o1"),
                Some("o2"),
                Some("o2"),
            ]
        );
        assert!(marks.iter().all(|m| m.unit_via.is_none()));
    }
}
