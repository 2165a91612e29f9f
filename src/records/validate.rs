//! Raw YAML tree + schema → typed records, with every input error found.

use super::tree::{Node, NodeKind};
use crate::date::{Date, DateError};
use crate::diag::Diagnostic;
use crate::num::Num;
use crate::schema::{
    Data, Datum, FieldTy, FieldTy0, KindId, NO_PLACE, Place, Schema, Step, StructDef, StructId,
};
use crate::source::Span;
use crate::suggest::closest;

/// A document that fitted the schema.
#[derive(Debug, Clone)]
pub struct Record {
    /// Its kind.
    pub kind: KindId,
    /// Its id.
    pub id: String,
    /// The top-level structure (slot 0 holds the id).
    pub root: Datum,
    /// Where each of its data sits, by [`Datum::place`].
    pub places: Box<[Place]>,
}

impl Record {
    /// The path of `target`, a datum of this record, from the root
    /// (`items[0].opinions[2]`), and the span of the key the path ends
    /// at, when it ends at a field written in the file. A field left out
    /// (its default sits at the enclosing value) is named by the enclosing
    /// value. `None` when `target` is not in this record.
    pub fn path(&self, schema: &Schema, target: &Datum) -> Option<(String, Option<Span>)> {
        let mut steps: Vec<(Step, Option<Span>)> = Vec::new();
        let mut at = target.place;
        while let Some(place) = self.places.get(at as usize) {
            match place.step() {
                Step::Root => break,
                step => steps.push((step, place.key(self.root.span.file))),
            }
            at = place.parent;
            // A chain longer than the record's data is not a path.
            if steps.len() > self.places.len() {
                return None;
            }
        }
        let mut path = String::new();
        let mut key = None;
        let mut datum = &self.root;
        let mut ty = FieldTy::Struct(self.kind_root(schema)?);
        for (i, (step, step_key)) in steps.iter().rev().enumerate() {
            let last = i + 1 == steps.len();
            match (step, &ty, &datum.data) {
                (Step::Field(slot), FieldTy::Struct(sid), Data::Struct(_, fields)) => {
                    let def = schema.structs.get(*sid)?.fields.get(*slot)?;
                    let field = fields.get(*slot)?;
                    if last && field.span == datum.span {
                        datum = field;
                        break;
                    }
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(&def.name);
                    key = *step_key;
                    ty = def.ty.clone();
                    datum = field;
                }
                (
                    Step::Item(index),
                    FieldTy::List(inner) | FieldTy::OneOrList(inner),
                    Data::List(items),
                ) => {
                    path.push_str(&format!("[{index}]"));
                    key = None;
                    ty = (**inner).clone();
                    datum = items.get(*index)?;
                }
                _ => return None,
            }
        }
        std::ptr::eq(datum, target).then_some((path, key))
    }

    fn kind_root(&self, schema: &Schema) -> Option<StructId> {
        schema.kinds.get(self.kind).map(|k| k.root)
    }
}

/// The outcome of validating one document.
#[derive(Debug)]
pub enum Validated {
    /// Fits the schema.
    Ok(Record),
    /// Has input errors; `kind` and `id` where they could be read, so that
    /// references to the record still resolve.
    Rejected {
        /// Its kind, if known.
        kind: Option<KindId>,
        /// Its id, if readable.
        id: Option<String>,
        /// What is wrong.
        errors: Vec<Diagnostic>,
    },
}

/// Validate one document against the schema.
pub fn validate(doc: &Node, schema: &Schema) -> Validated {
    let mut v = Validator {
        schema,
        errors: Vec::new(),
        places: Vec::new(),
    };
    let kind = v.kind_of(doc);
    let id = doc
        .get("id")
        .and_then(Node::as_str)
        .map(str::to_string)
        .filter(|s| !s.is_empty());
    if let Some(n) = doc
        .get("id")
        .filter(|n| n.as_str().is_some_and(|s| s.trim().is_empty()))
    {
        v.errors.push(
            Diagnostic::error(n.span, "`id` is empty")
                .with_help("give every record an id, unique among the records of its kind"),
        );
    }
    let Some(kind) = kind else {
        return Validated::Rejected {
            kind: None,
            id,
            errors: v.errors,
        };
    };
    let root_struct = schema.kinds.get(kind).map(|k| k.root).unwrap_or(0);
    let root = v.structure(root_struct, doc, true);
    match (root, id) {
        (Some(mut root), Some(id)) if v.errors.is_empty() => {
            v.place(&mut root, Step::Root, None);
            Validated::Ok(Record {
                kind,
                id,
                root,
                places: v.places.into(),
            })
        }
        (_, id) => Validated::Rejected {
            kind: Some(kind),
            id,
            errors: v.errors,
        },
    }
}

struct Validator<'s> {
    schema: &'s Schema,
    errors: Vec<Diagnostic>,
    /// The places of the data built so far. A datum is placed when its
    /// container is built (children before parents): placing a container
    /// tells its children their parent.
    places: Vec<Place>,
}

impl Validator<'_> {
    /// Give `d` its place, reached by `step` with its key at `key`, and
    /// make it the parent of its children (placing those not yet placed:
    /// the elements of a default).
    fn place(&mut self, d: &mut Datum, step: Step, key: Option<Span>) {
        match &mut d.data {
            Data::List(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    if item.place == NO_PLACE {
                        self.place(item, Step::Item(i), None);
                    }
                }
            }
            Data::Struct(_, fields) => {
                for (slot, field) in fields.iter_mut().enumerate() {
                    if field.place == NO_PLACE {
                        self.place(field, Step::Field(slot), None);
                    }
                }
            }
            _ => {}
        }
        let at = u32::try_from(self.places.len()).unwrap_or(NO_PLACE);
        self.places.push(Place::new(step, key));
        d.place = at;
        let children = match &d.data {
            Data::List(items) | Data::Struct(_, items) => &items[..],
            _ => &[],
        };
        for child in children {
            if let Some(p) = self.places.get_mut(child.place as usize) {
                p.parent = at;
            }
        }
    }

    fn kind_names(&self) -> String {
        self.schema
            .kinds
            .iter()
            .map(|k| format!("`{}`", k.name))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn kind_of(&mut self, doc: &Node) -> Option<KindId> {
        if !matches!(doc.kind, NodeKind::Map(_)) {
            self.errors.push(
                Diagnostic::error(
                    doc.span,
                    format!("a record must be a mapping, found {}", doc.describe()),
                )
                .with_help(format!(
                    "start each record with `kind:` (one of {}) and `id:`",
                    self.kind_names()
                )),
            );
            return None;
        }
        let Some(kind_node) = doc.get("kind") else {
            self.errors.push(
                Diagnostic::error(first_line(doc.span, doc), "record has no `kind`")
                    .with_help(format!("add `kind:` with one of {}", self.kind_names())),
            );
            return None;
        };
        let name = kind_node.as_str().unwrap_or("");
        match self.schema.kind(name) {
            Some(k) => Some(k),
            None => {
                let names = self.schema.kinds.iter().map(|k| k.name.as_str());
                let help = match closest(name, names) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("known kinds are {}", self.kind_names()),
                };
                self.errors.push(
                    Diagnostic::error(kind_node.span, format!("unknown record kind `{name}`"))
                        .with_help(help),
                );
                None
            }
        }
    }

    fn structure(&mut self, sid: StructId, node: &Node, is_root: bool) -> Option<Datum> {
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
        let mut values: Vec<Option<Datum>> = vec![None; def.fields.len()];
        // Fields written in the record, valid or not: an invalid value is
        // reported once, not again as missing.
        let mut written = vec![false; def.fields.len()];
        let mut key_spans: Vec<Option<Span>> = vec![None; def.fields.len()];
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
            if let Some(w) = written.get_mut(slot) {
                *w = true;
            }
            if let Some(k) = key_spans.get_mut(slot) {
                *k = Some(key.span);
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
                        && !self.unique(&d, key_slot, key_name)
                    {
                        ok = false;
                    }
                    if let Some(v) = values.get_mut(slot) {
                        *v = Some(d);
                    }
                }
                None => ok = false,
            }
        }
        if !self.conditional_fields(def, &values, &written, &key_spans, node) {
            ok = false;
        }
        let mut fields = Vec::with_capacity(values.len());
        let mut missing: Vec<&str> = Vec::new();
        for (slot, value) in values.into_iter().enumerate() {
            let Some(field) = def.fields.get(slot) else {
                continue;
            };
            let (mut datum, key) = match value {
                Some(d) => (d, key_spans.get(slot).copied().flatten()),
                None if !allows(allowed, slot) || field.optional => (
                    Datum {
                        span: node.span,
                        data: field
                            .default
                            .clone()
                            .map_or(Data::None, |d| respan(d, node.span)),
                        place: NO_PLACE,
                    },
                    None,
                ),
                None if written.get(slot).copied().unwrap_or(false) => {
                    (Datum::none_at(node.span), None)
                }
                None => {
                    missing.push(&field.name);
                    (Datum::none_at(node.span), None)
                }
            };
            self.place(&mut datum, Step::Field(slot), key);
            fields.push(datum);
        }
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
        if !self.field_checks(def, &fields) {
            ok = false;
        }
        ok.then_some(Datum {
            span: node.span,
            data: Data::Struct(variant, fields.into()),
            place: NO_PLACE,
        })
    }

    /// `when FIELD == VALUE`: the field is required when the sibling has
    /// that value and must be absent otherwise. Returns whether all hold.
    fn conditional_fields(
        &mut self,
        def: &StructDef,
        values: &[Option<Datum>],
        written: &[bool],
        key_spans: &[Option<Span>],
        node: &Node,
    ) -> bool {
        let mut ok = true;
        for (slot, field) in def.fields.iter().enumerate() {
            let Some(when) = &field.when else { continue };
            let Some(sibling) = def.fields.get(when.slot) else {
                continue;
            };
            // Nothing to say when the sibling itself is missing or invalid:
            // that has its own error.
            let Some(Some(Datum {
                data: Data::Text(value),
                ..
            })) = values.get(when.slot)
            else {
                continue;
            };
            let needed = value.as_ref() == when.value;
            let present = written.get(slot).copied().unwrap_or(false);
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
                let at = key_spans.get(slot).copied().flatten().unwrap_or(node.span);
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

    /// `require a <= b`: comparisons between fields. Returns whether all hold.
    fn field_checks(&mut self, def: &StructDef, fields: &[Datum]) -> bool {
        use crate::syntax::ast::BinOp;
        use std::cmp::Ordering;
        let mut ok = true;
        for c in &def.checks {
            let (Some(l), Some(r)) = (fields.get(c.left), fields.get(c.right)) else {
                continue;
            };
            let ord = match (&l.data, &r.data) {
                (Data::Date(a), Data::Date(b)) => a.cmp(b),
                (Data::Num(a), Data::Num(b)) => a.cmp(b),
                (Data::Days(a), Data::Days(b)) => a.cmp(b),
                (Data::Text(a), Data::Text(b)) => a.cmp(b),
                // Absent values are not compared.
                _ => continue,
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
                Data::Num(x) => x.to_string(),
                Data::Days(x) => format!("{x}天"),
                Data::Text(x) => x.to_string(),
                _ => String::new(),
            };
            let relation = match c.op {
                BinOp::Eq => "equal to",
                BinOp::Ne => "different from",
                BinOp::Lt => "before",
                BinOp::Le => "on or before",
                BinOp::Gt => "after",
                _ => "on or after",
            };
            self.errors.push(
                Diagnostic::error(
                    l.span,
                    format!(
                        "`{ln}` ({}) must be {relation} `{rn}` ({})",
                        show(l),
                        show(r)
                    ),
                )
                .with_related(r.span, format!("`{rn}` is here"))
                .with_help(format!("correct `{ln}` or `{rn}`")),
            );
        }
        ok
    }

    /// `unique by`: report elements of a list that repeat an earlier
    /// element's key. Returns whether all keys differ.
    fn unique(&mut self, list: &Datum, key_slot: usize, field: &str) -> bool {
        let Data::List(items) = &list.data else {
            return true;
        };
        let mut seen: Vec<(&Datum, &Data)> = Vec::new();
        let mut ok = true;
        for item in items {
            let Data::Struct(_, fields) = &item.data else {
                continue;
            };
            let Some(key) = fields.get(key_slot) else {
                continue;
            };
            let text = match &key.data {
                Data::Text(text) => text.to_string(),
                Data::Num(n) => n.to_string(),
                _ => continue,
            };
            match seen.iter().find(|(_, d)| **d == key.data) {
                Some((first, _)) => {
                    ok = false;
                    self.errors.push(
                        Diagnostic::error(key.span, format!("`{text}` appears twice in `{field}`"))
                            .with_related(first.span, "first here")
                            .with_help(format!("each `{text}` may appear once in `{field}`: merge the entries, renumber or remove one")),
                    );
                }
                None => seen.push((key, &key.data)),
            }
        }
        ok
    }

    fn value(&mut self, ty: &FieldTy, node: &Node, field: &str) -> Option<Datum> {
        let schema = self.schema;
        let expected = |what: &str| {
            Diagnostic::error(
                node.span,
                format!("`{field}` must be {what}, found {}", found(node)),
            )
        };
        let data = match ty {
            FieldTy::Scalar(s) => {
                let Some(text) = node.as_str() else {
                    self.errors
                        .push(expected(scalar_article(*s)).with_help(scalar_help(*s)));
                    return None;
                };
                let plain = matches!(node.kind, NodeKind::Scalar { plain: true, .. });
                match s {
                    FieldTy0::Text => Data::Text(text.into()),
                    FieldTy0::Number
                    | FieldTy0::Money
                    | FieldTy0::SignedMoney
                    | FieldTy0::Ordinal
                    | FieldTy0::Whole => {
                        let whole =
                            |n: &Num| *s != FieldTy0::Whole || (n.is_integer() && *n >= Num::ZERO);
                        match Num::parse_decimal(text).filter(|n| plain && whole(n)) {
                            Some(n) if *s == FieldTy0::Money && n < Num::int(0) => {
                                self.errors.push(
                                    Diagnostic::error(
                                        node.span,
                                        format!("`{field}` is `{text}`, a negative amount"),
                                    )
                                    .with_help(
                                        "amounts are never negative; a field that may be negative \
                                         is declared `signed_money` in the schema",
                                    ),
                                );
                                return None;
                            }
                            Some(n)
                                if *s == FieldTy0::Ordinal
                                    && !(n.is_integer() && n > Num::int(0)) =>
                            {
                                self.errors.push(
                                    Diagnostic::error(
                                        node.span,
                                        format!(
                                            "`{field}` is `{text}`, not a positive whole number"
                                        ),
                                    )
                                    .with_help(scalar_help(*s)),
                                );
                                return None;
                            }
                            Some(n) => Data::Num(Box::new(n)),
                            None => {
                                let too_big = plain
                                    && text.len() > 30
                                    && text.bytes().all(|b| b.is_ascii_digit());
                                let d = if too_big {
                                    Diagnostic::error(
                                        node.span,
                                        format!(
                                            "`{field}` is too large: numbers have at most 30 digits"
                                        ),
                                    )
                                } else {
                                    expected(scalar_article(*s))
                                };
                                self.errors.push(d.with_help(scalar_help(*s)));
                                return None;
                            }
                        }
                    }
                    FieldTy0::Days => match text.parse::<i64>().ok().filter(|_| plain) {
                        Some(n) => Data::Days(n),
                        None => {
                            self.errors
                                .push(expected(scalar_article(*s)).with_help(scalar_help(*s)));
                            return None;
                        }
                    },
                    FieldTy0::Bool => match (plain, text) {
                        (true, "true" | "True" | "TRUE") => Data::Bool(true),
                        (true, "false" | "False" | "FALSE") => Data::Bool(false),
                        _ => {
                            self.errors
                                .push(expected("`true` or `false`").with_help(scalar_help(*s)));
                            return None;
                        }
                    },
                    FieldTy0::Date => match Date::parse(text) {
                        Ok(d) => Data::Date(d),
                        Err(DateError::Format) => {
                            self.errors.push(
                                expected("a date")
                                    .with_help("write dates as `YYYY-MM-DD`, e.g. `2014-07-18`"),
                            );
                            return None;
                        }
                        Err(DateError::NoSuchDay) => {
                            self.errors.push(
                                Diagnostic::error(
                                    node.span,
                                    format!("`{field}` is `{text}`, a day that does not exist"),
                                )
                                .with_help("check the month and day: months have 28 to 31 days"),
                            );
                            return None;
                        }
                    },
                }
            }
            FieldTy::Enum(e) => {
                let def = schema.enums.get(*e)?;
                match node.as_str() {
                    Some(text) if def.members.iter().any(|m| m == text) => Data::Text(text.into()),
                    other => {
                        let help = match other
                            .and_then(|t| closest(t, def.members.iter().map(String::as_str)))
                        {
                            Some(s) => format!(
                                "did you mean `{s}`? `{field}` is one of {}",
                                def.members.join(", ")
                            ),
                            None => format!("`{field}` is one of {}", def.members.join(", ")),
                        };
                        let msg = match other {
                            Some(t) => format!("`{t}` is not a valid `{field}` ({})", def.name),
                            None => format!(
                                "`{field}` must be one of the values of `{}`, found {}",
                                def.name,
                                found(node)
                            ),
                        };
                        self.errors
                            .push(Diagnostic::error(node.span, msg).with_help(help));
                        return None;
                    }
                }
            }
            FieldTy::Tag(_) | FieldTy::Ref(_) => match node.as_str() {
                Some(t) => Data::Text(t.into()),
                None => {
                    self.errors.push(expected("an id (text)"));
                    return None;
                }
            },
            FieldTy::Key(k) => return self.value(&k.base, node, field),
            FieldTy::List(inner) | FieldTy::OneOrList(inner) => match &node.kind {
                NodeKind::Seq(items) => {
                    let mut out = Vec::with_capacity(items.len());
                    let mut ok = true;
                    for item in items {
                        match self.value(inner, item, field) {
                            Some(mut d) => {
                                self.place(&mut d, Step::Item(out.len()), None);
                                out.push(d);
                            }
                            None => ok = false,
                        }
                    }
                    if !ok {
                        return None;
                    }
                    Data::List(out.into())
                }
                NodeKind::Scalar { .. } if matches!(ty, FieldTy::OneOrList(_)) => {
                    let mut d = self.value(inner, node, field)?;
                    self.place(&mut d, Step::Item(0), None);
                    Data::List(Box::new([d]))
                }
                _ => {
                    self.errors
                        .push(expected("a list").with_help(format!(
                            "write `{field}: [a, b]` or one `- item` per line"
                        )));
                    return None;
                }
            },
            FieldTy::Struct(s) => return self.structure(*s, node, false),
        };
        Some(Datum {
            span: node.span,
            data,
            place: NO_PLACE,
        })
    }
}

/// Whether a structure whose variant allows `allowed` (all slots when
/// `None`) may hold `slot`.
fn allows(allowed: Option<&[usize]>, slot: usize) -> bool {
    allowed.is_none_or(|a| a.contains(&slot))
}

/// A default value placed at the record: every span becomes `span`.
fn respan(data: Data, span: Span) -> Data {
    match data {
        Data::List(items) => Data::List(
            items
                .into_iter()
                .map(|d| Datum {
                    span,
                    data: respan(d.data, span),
                    place: NO_PLACE,
                })
                .collect(),
        ),
        other => other,
    }
}

/// The first line of a mapping, where "missing field" errors point: the
/// first key, or the whole node when it has none.
fn first_line(span: Span, node: &Node) -> Span {
    match &node.kind {
        NodeKind::Map(entries) => entries.first().map_or(span, |(k, _)| k.span),
        _ => span,
    }
}

fn found(node: &Node) -> String {
    match &node.kind {
        NodeKind::Scalar { text, .. } => format!("`{text}`"),
        _ => node.describe().to_string(),
    }
}

fn scalar_article(s: FieldTy0) -> &'static str {
    match s {
        FieldTy0::Text => "text",
        FieldTy0::Number => "a number",
        FieldTy0::Whole => "a whole number, zero or more",
        FieldTy0::Money => "an amount in yuan",
        FieldTy0::SignedMoney => "an amount in yuan",
        FieldTy0::Ordinal => "a positive whole number",
        FieldTy0::Date => "a date",
        FieldTy0::Days => "a whole number of days",
        FieldTy0::Bool => "`true` or `false`",
    }
}

fn scalar_help(s: FieldTy0) -> &'static str {
    match s {
        FieldTy0::Text => "write the text on one line, quoted if it contains `:` or `#`",
        FieldTy0::Number => "write a plain number without quotes, e.g. `3`",
        FieldTy0::Whole => "write a whole number without quotes or sign, e.g. `15`",
        FieldTy0::Money | FieldTy0::SignedMoney => {
            "write the amount in yuan as a plain number without quotes or units, e.g. `1200000`"
        }
        FieldTy0::Ordinal => "write a whole number from 1 up without quotes, e.g. `3`",
        FieldTy0::Date => "write dates as `YYYY-MM-DD`, e.g. `2014-07-18`",
        FieldTy0::Days => "write a whole number without quotes, e.g. `30`",
        FieldTy0::Bool => "write `true` or `false` without quotes",
    }
}
