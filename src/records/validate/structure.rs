//! A mapping against its structure: which fields it may have (its
//! variant's, when tagged), unknown, empty and missing fields, defaults,
//! and the checks between fields (`when`, `require`, `unique by`).

use super::{Validator, first_line};
use crate::diag::Diagnostic;
use crate::records::tree::{Node, NodeKind};
use crate::schema::{Data, Datum, FieldTy, StructDef, StructId};
use crate::source::Span;
use crate::suggest::closest;

/// What a mapping wrote for one slot of its structure.
#[derive(Default)]
pub(super) struct Written {
    /// The value, when it is valid.
    value: Option<Datum>,
    /// Whether the field is written, valid or not: an invalid value is
    /// reported once, not again as missing.
    written: bool,
    /// Where its key is.
    key: Option<Span>,
}

impl<'s> Validator<'s> {
    pub(super) fn structure(&mut self, sid: StructId, node: &Node, is_root: bool) -> Option<Datum> {
        let schema = self.schema;
        let def = schema.structs.get(sid)?;
        let NodeKind::Map(entries) = &node.kind else {
            self.errors.push(
                Diagnostic::error(
                    node.span,
                    format!(
                        "expected a mapping (`{}`), found {}",
                        def.name,
                        node.describe()
                    ),
                )
                .with_help(format!(
                    "write the fields of `{}` as `key: value` lines or `{{key: value}}`",
                    def.name
                )),
            );
            return None;
        };
        // Which slots this value may have: all, or its variant's.
        let mut variant = 0u32;
        // `None`: every slot (an untagged structure, the common case,
        // allocates nothing here).
        let allowed: Option<&[usize]> = match &def.tag {
            None => None,
            Some(tag) => {
                let Some(tag_node) = node.get(&tag.field) else {
                    self.errors.push(
                        Diagnostic::error(
                            first_line(node.span, node),
                            format!("missing field `{}`", tag.field),
                        )
                        .with_help(format!(
                            "`{}` is one of {}",
                            tag.field,
                            tag.variants
                                .iter()
                                .map(|v| v.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                    );
                    return None;
                };
                let name = tag_node.as_str().unwrap_or("");
                match tag.variants.iter().position(|v| v.name == name) {
                    Some(i) => {
                        variant = u32::try_from(i).unwrap_or(0);
                        Some(tag.variants.get(i).map_or(&[][..], |v| &v.slots[..]))
                    }
                    None => {
                        let names: Vec<&str> =
                            tag.variants.iter().map(|v| v.name.as_str()).collect();
                        self.errors.push(
                            Diagnostic::error(
                                tag_node.span,
                                format!("`{name}` is not a valid `{}`", tag.field),
                            )
                            .with_help(format!(
                                "`{}` is one of {}",
                                tag.field,
                                names.join(", ")
                            )),
                        );
                        return None;
                    }
                }
            }
        };
        let mut table = self.scratch.tables.pop().unwrap_or_default();
        table.clear();
        table.resize_with(def.fields.len(), Written::default);
        let mut ok = true;
        for (key, value) in entries {
            let Some(key_name) = key.as_str() else {
                self.errors
                    .push(Diagnostic::error(key.span, "keys must be plain text"));
                ok = false;
                continue;
            };
            if is_root && key_name == "kind" {
                continue;
            }
            let slot = def.slot(key_name).filter(|s| allows(allowed, *s));
            let Some(slot) = slot else {
                ok = false;
                let in_other_variant = def.slot(key_name).is_some();
                let tag_value = def
                    .tag
                    .as_ref()
                    .and_then(|t| t.variants.get(variant as usize))
                    .map(|v| v.name.clone());
                let all: Vec<usize>;
                let slots = match allowed {
                    Some(a) => a,
                    None => {
                        all = (0..def.fields.len()).collect();
                        &all[..]
                    }
                };
                let candidates = slots
                    .iter()
                    .filter_map(|s| def.fields.get(*s))
                    .map(|f| f.name.as_str());
                let help = match closest(key_name, candidates.clone()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    // `note: 甲,乙` in `{…}` splits at the comma.
                    None if !key_name.is_ascii() && matches!(value.kind, NodeKind::Null) => {
                        format!(
                            "if `{key_name}` belongs to the value before it, a comma inside `{{…}}` splits fields: quote that value, or use a full-width comma (，)"
                        )
                    }
                    None => format!(
                        "fields here are {}",
                        candidates
                            .map(|c| format!("`{c}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                let message = match (in_other_variant, tag_value) {
                    (true, Some(t)) => {
                        format!("field `{key_name}` does not belong to a `{t}` {}", def.name)
                    }
                    _ => format!("unknown field `{key_name}` in `{}`", def.name),
                };
                self.errors
                    .push(Diagnostic::error(key.span, message).with_help(help));
                continue;
            };
            let Some(field) = def.fields.get(slot) else {
                continue;
            };
            if let Some(w) = table.get_mut(slot) {
                w.written = true;
                w.key = Some(key.span);
            }
            if matches!(value.kind, NodeKind::Null) {
                if field.optional {
                    continue;
                }
                self.errors.push(
                    Diagnostic::error(
                        value.span.to(key.span),
                        format!("field `{key_name}` is empty"),
                    )
                    .with_help(format!(
                        "give `{key_name}` a value of type `{}`",
                        schema.describe(&field.ty)
                    )),
                );
                ok = false;
                continue;
            }
            match self.value(&field.ty, value, key_name) {
                Some(d) => {
                    if let Some(key_slot) = field.unique_by
                        && !self.unique(&d, value, key_slot, key_name, &field.ty)
                    {
                        ok = false;
                    }
                    if let Some(w) = table.get_mut(slot) {
                        w.value = Some(d);
                    }
                }
                None => ok = false,
            }
        }
        if !self.conditional_fields(def, &table, node) {
            ok = false;
        }
        let mut fields = Vec::with_capacity(table.len());
        let mut missing: Vec<&str> = Vec::new();
        for (slot, w) in table.drain(..).enumerate() {
            let Some(field) = def.fields.get(slot) else {
                continue;
            };
            let datum = match w.value {
                Some(d) => d,
                None if !allows(allowed, slot) || field.optional => match &field.default {
                    Some(default) => Datum::new(default.clone()),
                    None => Datum::none(),
                },
                None if w.written => Datum::none(),
                None => {
                    missing.push(&field.name);
                    Datum::none()
                }
            };
            fields.push(datum);
        }
        self.scratch.tables.push(table);
        if !missing.is_empty() {
            let list = missing
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let plural = if missing.len() > 1 { "s" } else { "" };
            self.errors.push(
                Diagnostic::error(
                    first_line(node.span, node),
                    format!("missing required field{plural} {list} in `{}`", def.name),
                )
                .with_help(format!(
                    "add {list}; only fields marked optional in the schema may be left out"
                )),
            );
            ok = false;
        }
        if !self.field_checks(def, &fields, node) {
            ok = false;
        }
        ok.then(|| Datum::new(Data::structure(variant, fields)))
    }

    /// `when FIELD == VALUE`: the field is required when the sibling has
    /// that value and must be absent otherwise. Returns whether all hold.
    fn conditional_fields(&mut self, def: &StructDef, table: &[Written], node: &Node) -> bool {
        let mut ok = true;
        for (slot, field) in def.fields.iter().enumerate() {
            let Some(when) = &field.when else { continue };
            let Some(sibling) = def.fields.get(when.slot) else {
                continue;
            };
            // A list holds no one value to compare, even when it is
            // written as its one value.
            if matches!(sibling.ty, FieldTy::OneOrList(_)) {
                continue;
            }
            // Nothing to say when the sibling itself is missing or invalid:
            // that has its own error.
            let Some(value) = table
                .get(when.slot)
                .and_then(|w| w.value.as_ref())
                .and_then(|d| d.data.as_text())
            else {
                continue;
            };
            let needed = value == when.value;
            let present = table.get(slot).is_some_and(|w| w.written);
            if needed && !present {
                ok = false;
                self.errors.push(
                    Diagnostic::error(
                        first_line(node.span, node),
                        format!(
                            "missing field `{}`: it is required when `{}` is `{}`",
                            field.name, sibling.name, when.value
                        ),
                    )
                    .with_help(format!(
                        "add `{}: …` of type `{}`",
                        field.name,
                        self.schema.describe(&field.ty)
                    )),
                );
            } else if !needed && present {
                ok = false;
                let at = table.get(slot).and_then(|w| w.key).unwrap_or(node.span);
                self.errors.push(
                    Diagnostic::error(
                        at,
                        format!(
                            "field `{}` belongs only to a `{}` of `{}`, and `{}` here is `{value}`",
                            field.name, sibling.name, when.value, sibling.name
                        ),
                    )
                    .with_help(format!(
                        "remove `{}`, or set `{}` to `{}`",
                        field.name, sibling.name, when.value
                    )),
                );
            }
        }
        ok
    }

    /// `require a <= b`: comparisons between fields of the mapping `node`.
    /// Returns whether all hold.
    fn field_checks(&mut self, def: &StructDef, fields: &[Datum], node: &Node) -> bool {
        use crate::syntax::ast::BinOp;
        use std::cmp::Ordering;
        let mut ok = true;
        for c in &def.checks {
            let (Some(l), Some(r)) = (fields.get(c.left), fields.get(c.right)) else {
                continue;
            };
            // Lists are not compared, even one written as its one value.
            let is_list = |slot: usize| {
                def.fields
                    .get(slot)
                    .is_some_and(|f| matches!(f.ty, FieldTy::OneOrList(_)))
            };
            if is_list(c.left) || is_list(c.right) {
                continue;
            }
            let ord = match (&l.data, &r.data, l.data.as_num(), r.data.as_num()) {
                (Data::Date(a), Data::Date(b), ..) => a.cmp(b),
                (.., Some(a), Some(b)) => a.cmp(&b),
                (Data::Days(a), Data::Days(b), ..) => a.cmp(b),
                (a, b, ..) => match (a.as_text(), b.as_text()) {
                    (Some(a), Some(b)) => a.cmp(b),
                    // Absent values are not compared.
                    _ => continue,
                },
            };
            let holds = match c.op {
                BinOp::Eq => ord == Ordering::Equal,
                BinOp::Ne => ord != Ordering::Equal,
                BinOp::Lt => ord.is_lt(),
                BinOp::Le => ord.is_le(),
                BinOp::Gt => ord.is_gt(),
                _ => ord.is_ge(),
            };
            if holds {
                continue;
            }
            ok = false;
            let name = |slot: usize| def.fields.get(slot).map_or("", |f| f.name.as_str());
            let (ln, rn) = (name(c.left), name(c.right));
            let show = |d: &Datum| match &d.data {
                Data::Date(x) => x.to_string(),
                Data::Days(x) => format!("{x}天"),
                other => match other.as_num() {
                    Some(x) => x.to_string(),
                    None => other.as_text().unwrap_or_default().to_string(),
                },
            };
            let relation = match c.op {
                BinOp::Eq => "equal to",
                BinOp::Ne => "different from",
                BinOp::Lt => "before",
                BinOp::Le => "on or before",
                BinOp::Gt => "after",
                _ => "on or after",
            };
            let (l_at, r_at) = (field_span(node, ln), field_span(node, rn));
            self.errors.push(
                Diagnostic::error(
                    l_at,
                    format!(
                        "`{ln}` ({}) must be {relation} `{rn}` ({})",
                        show(l),
                        show(r)
                    ),
                )
                .with_related(r_at, format!("`{rn}` is here"))
                .with_help(format!("correct `{ln}` or `{rn}`")),
            );
        }
        ok
    }

    /// The name of field `slot` of the elements of a list of type `ty`.
    fn key_field(&self, ty: &FieldTy, slot: usize) -> &'s str {
        let elem = match ty {
            FieldTy::List(t) | FieldTy::OneOrList(t) => t.as_ref(),
            other => other,
        };
        match elem {
            FieldTy::Struct(sid) => self
                .schema
                .structs
                .get(*sid)
                .and_then(|s| s.fields.get(slot))
                .map_or("key", |f| f.name.as_str()),
            _ => "key",
        }
    }

    /// `unique by`: report elements of a list (of type `ty`, read from
    /// `node`) that repeat an earlier element's key. Returns whether all
    /// keys differ.
    fn unique(
        &mut self,
        list: &Datum,
        node: &Node,
        key_slot: usize,
        field: &str,
        ty: &FieldTy,
    ) -> bool {
        let (Some(items), NodeKind::Seq(nodes)) = (list.data.as_list(), &node.kind) else {
            return true;
        };
        let key_name = self.key_field(ty, key_slot);
        let mut seen: Vec<(Span, &Data)> = Vec::new();
        let mut ok = true;
        for (item, item_node) in items.iter().zip(nodes) {
            let Some(fields) = item.data.fields() else {
                continue;
            };
            let Some(key) = fields.get(key_slot) else {
                continue;
            };
            let text = match (key.data.as_num(), key.data.as_text()) {
                (Some(n), _) => n.to_string(),
                (None, Some(text)) => text.to_string(),
                (None, None) => continue,
            };
            let at = field_span(item_node, key_name);
            match seen.iter().find(|(_, d)| **d == key.data) {
                Some(&(first, _)) => {
                    ok = false;
                    let again = at;
                    self.errors.push(
                        Diagnostic::error(again, format!("`{text}` appears twice in `{field}`"))
                            .with_related(first, "first here")
                            .with_help(format!("each `{key_name}` may appear once in `{field}`: merge the entries, renumber or remove one")),
                    );
                }
                None => seen.push((at, &key.data)),
            }
        }
        ok
    }
}

/// Whether a structure whose variant allows `allowed` (all slots when
/// `None`) may hold `slot`.
fn allows(allowed: Option<&[usize]>, slot: usize) -> bool {
    allowed.is_none_or(|a| a.contains(&slot))
}

/// Where the field `name` of the mapping `node` is: its value, or the
/// mapping when the field is left out or empty (a default stands there).
fn field_span(node: &Node, name: &str) -> Span {
    node.get(name)
        .filter(|v| !matches!(v.kind, NodeKind::Null))
        .map_or(node.span, |v| v.span)
}
