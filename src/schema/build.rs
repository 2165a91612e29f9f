//! Schema declarations (AST) → [`Schema`], with an error for every problem.

use std::collections::HashMap;

use super::*;
use crate::diag::Diagnostic;
use crate::syntax::ast::{self, DeclKind, ExprKind, StructBody, TypeKind};

const SCALARS: &[(&str, FieldTy0)] = &[
    ("text", FieldTy0::Text),
    ("number", FieldTy0::Number),
    ("whole", FieldTy0::Whole),
    ("money", FieldTy0::Money),
    ("signed_money", FieldTy0::SignedMoney),
    ("ordinal", FieldTy0::Ordinal),
    ("date", FieldTy0::Date),
    ("days", FieldTy0::Days),
    ("bool", FieldTy0::Bool),
];

/// Build the schema from every `enum`, `struct` and `kind` declaration.
pub fn build(decls: &[&ast::Decl]) -> (Schema, Vec<Diagnostic>) {
    let mut schema = Schema::default();
    let mut errors = Vec::new();
    let mut declared_at: HashMap<String, Span> = HashMap::new();
    for (name, s) in SCALARS {
        schema
            .names
            .insert((*name).to_string(), TypeName::Scalar(*s));
    }
    let mut struct_decls: Vec<(&ast::StructDecl, Option<String>)> = Vec::new();

    // Pass 1: names.
    for decl in decls {
        let (name, type_name) = match &decl.kind {
            DeclKind::Enum(e) => {
                let id = schema.enums.len();
                let mut members: Vec<String> = Vec::new();
                for m in &e.members {
                    if members.contains(&m.name) {
                        errors.push(Diagnostic::error(
                            m.span,
                            format!("`{}` is listed twice in enum `{}`", m.name, e.name.name),
                        ));
                    } else {
                        members.push(m.name.clone());
                    }
                }
                schema.enums.push(EnumDef {
                    name: e.name.name.clone(),
                    members,
                    span: e.name.span,
                    doc: decl.doc.clone(),
                });
                (&e.name, TypeName::Enum(id))
            }
            DeclKind::Struct(s) => {
                let id = schema.structs.len();
                let kind = if s.is_kind {
                    schema.kinds.push(KindDef {
                        name: s.name.name.clone(),
                        root: id,
                        span: s.name.span,
                    });
                    Some(schema.kinds.len() - 1)
                } else {
                    None
                };
                schema.structs.push(StructDef {
                    name: s.name.name.clone(),
                    fields: Vec::new(),
                    tag: None,
                    kind,
                    checks: Vec::new(),
                    span: s.name.span,
                    doc: decl.doc.clone(),
                });
                struct_decls.push((s, decl.doc.clone()));
                (&s.name, TypeName::Struct(id))
            }
            _ => continue,
        };
        if let Some(first) = declared_at.get(&name.name) {
            errors.push(
                Diagnostic::error(name.span, format!("type `{}` is declared twice", name.name))
                    .with_related(*first, "first declared here")
                    .with_help("rename one of them, or use `set` to change a parameter"),
            );
            continue;
        }
        if schema.names.contains_key(&name.name) {
            errors.push(Diagnostic::error(
                name.span,
                format!("`{}` is a built-in type", name.name),
            ));
            continue;
        }
        declared_at.insert(name.name.clone(), name.span);
        schema.names.insert(name.name.clone(), type_name);
    }

    // Pass 2: fields. Key types need the referenced kind's fields, so they
    // are resolved in pass 3.
    // Keys and `unique by` need other structs' fields, so they are
    // resolved once every struct has its fields.
    let mut pending_keys: Vec<(StructId, usize, &ast::FieldDecl)> = Vec::new();
    for (sid, (decl, _)) in struct_decls.iter().enumerate() {
        let mut fields: Vec<FieldDef> = Vec::new();
        let mut tag = None;
        if decl.is_kind {
            fields.push(FieldDef {
                name: "id".into(),
                ty: FieldTy::Scalar(FieldTy0::Text),
                optional: false,
                default: None,
                in_all_variants: true,
                unique_by: None,
                when: None,
                marks: Vec::new(),
                span: decl.name.span,
                doc: Some("The record's id, unique per kind.".into()),
            });
        }
        match &decl.body {
            StructBody::Fields(list) => {
                for f in list {
                    add_field(
                        &schema,
                        &mut fields,
                        f,
                        true,
                        &mut errors,
                        &mut pending_keys,
                        sid,
                    );
                }
            }
            StructBody::Tagged {
                tag: tag_name,
                variants,
            } => {
                fields.push(FieldDef {
                    name: tag_name.name.clone(),
                    ty: FieldTy::Tag(sid),
                    optional: false,
                    default: None,
                    in_all_variants: true,
                    unique_by: None,
                    when: None,
                    marks: Vec::new(),
                    span: tag_name.span,
                    doc: Some("Which variant this is.".into()),
                });
                let mut vdefs: Vec<VariantDef> = Vec::new();
                for v in variants {
                    if vdefs.iter().any(|d| d.name == v.name.name) {
                        errors.push(Diagnostic::error(
                            v.name.span,
                            format!("variant `{}` is declared twice", v.name.name),
                        ));
                        continue;
                    }
                    let mut slots = vec![0];
                    let mut marks = Vec::new();
                    for f in &v.fields {
                        if let Some(slot) = add_field(
                            &schema,
                            &mut fields,
                            f,
                            false,
                            &mut errors,
                            &mut pending_keys,
                            sid,
                        ) {
                            slots.push(slot);
                            if let Some(field) = fields.get(slot) {
                                let ty = field.ty.clone();
                                marks.extend(
                                    field_marks(&schema, f, &ty, &mut errors)
                                        .into_iter()
                                        .map(|m| (slot, m)),
                                );
                            }
                        }
                    }
                    vdefs.push(VariantDef {
                        name: v.name.name.clone(),
                        slots,
                        marks,
                        span: v.name.span,
                    });
                }
                let n = vdefs.len();
                for (slot, field) in fields.iter_mut().enumerate().skip(1) {
                    field.in_all_variants =
                        vdefs.iter().filter(|v| v.slots.contains(&slot)).count() == n;
                }
                tag = Some(TagDef {
                    field: tag_name.name.clone(),
                    slot: 0,
                    variants: vdefs,
                });
            }
        }
        // `when` and `require` name sibling fields, known now.
        let slot_of = |fields: &[FieldDef], id: &ast::Ident, errors: &mut Vec<Diagnostic>| {
            let slot = fields.iter().position(|f| f.name == id.name);
            if slot.is_none() {
                let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                let d = Diagnostic::error(
                    id.span,
                    format!("`{}` has no field `{}`", decl.name.name, id.name),
                );
                errors.push(
                    match crate::suggest::closest(&id.name, names.iter().copied()) {
                        Some(s) => d.with_help(format!("did you mean `{s}`?")),
                        None => d.with_help(format!("fields are {}", names.join(", "))),
                    },
                );
            }
            slot
        };
        if let StructBody::Fields(list) = &decl.body {
            for f in list {
                let Some(w) = &f.when else { continue };
                let Some(sibling) = slot_of(&fields, &w.field, &mut errors) else {
                    continue;
                };
                if let Some(FieldTy::Enum(e)) = fields.get(sibling).map(|s| &s.ty)
                    && let Some(def) = schema.enums.get(*e)
                    && !def.members.contains(&w.value.name)
                {
                    errors.push(
                        Diagnostic::error(
                            w.value.span,
                            format!("`{}` is not a value of `{}`", w.value.name, def.name),
                        )
                        .with_help(format!("values are {}", def.members.join(", "))),
                    );
                    continue;
                }
                if let Some(field) = fields.iter_mut().find(|x| x.name == f.name.name) {
                    field.when = Some(WhenDef {
                        slot: sibling,
                        value: w.value.name.clone(),
                    });
                }
            }
        }
        let mut checks = Vec::new();
        for c in &decl.checks {
            let left = slot_of(&fields, &c.left, &mut errors);
            let right = slot_of(&fields, &c.right, &mut errors);
            if let (Some(left), Some(right)) = (left, right) {
                checks.push(CheckDef {
                    left,
                    op: c.op,
                    right,
                });
            }
        }
        if let Some(s) = schema.structs.get_mut(sid) {
            s.fields = fields;
            s.tag = tag;
            s.checks = checks;
        }
    }

    // Pass 2b: `extend kind` / `extend struct` add fields to a structure
    // declared earlier. Only fields a record may leave out, so that the
    // records written for the standard schema stay valid.
    for decl in decls {
        let DeclKind::Extend(ext) = &decl.kind else {
            continue;
        };
        let what = if ext.is_kind { "kind" } else { "struct" };
        let target = match schema.names.get(&ext.name.name) {
            Some(TypeName::Struct(sid)) => {
                let is_kind = schema.structs.get(*sid).is_some_and(|s| s.kind.is_some());
                (is_kind == ext.is_kind).then_some(*sid)
            }
            _ => None,
        };
        let Some(sid) = target else {
            let candidates: Vec<&str> = schema
                .structs
                .iter()
                .filter(|s| s.kind.is_some() == ext.is_kind)
                .map(|s| s.name.as_str())
                .collect();
            let help = match crate::suggest::closest(&ext.name.name, candidates.iter().copied()) {
                Some(c) => format!("did you mean `{c}`?"),
                None => format!("the {what}s are: {}", candidates.join(", ")),
            };
            errors.push(
                Diagnostic::error(
                    ext.name.span,
                    format!("no {what} `{}` to extend", ext.name.name),
                )
                .with_help(help),
            );
            continue;
        };
        let StructBody::Fields(list) = &ext.body else {
            continue;
        };
        let mut fields = schema
            .structs
            .get(sid)
            .map(|s| s.fields.clone())
            .unwrap_or_default();
        let mut added = Vec::new();
        for f in list {
            if !f.ty.optional && f.default.is_none() {
                errors.push(
                    Diagnostic::error(
                        f.name.span,
                        format!("field `{}` added by `extend` must be optional or have a default", f.name.name),
                    )
                    .with_help(format!(
                        "records written for the declared {what} do not have it: write `{}: …?` or `{}: … = value`",
                        f.name.name, f.name.name
                    )),
                );
                continue;
            }
            if let Some(slot) = add_field(
                &schema,
                &mut fields,
                f,
                true,
                &mut errors,
                &mut pending_keys,
                sid,
            ) {
                added.push(slot);
            }
        }
        if let Some(s) = schema.structs.get_mut(sid) {
            s.fields = fields;
            // In a tagged struct the new fields belong to every variant.
            if let Some(tag) = &mut s.tag {
                for v in &mut tag.variants {
                    v.slots.extend(added.iter().copied());
                }
            }
        }
    }

    // Pass 3: keys and `unique by`.
    for (sid, slot, field) in pending_keys {
        if let TypeKind::Key {
            via,
            list,
            field: key_field,
        } = &field.ty.kind
        {
            match resolve_key(&schema, sid, via, list, key_field) {
                Ok(key) => {
                    if let Some(f) = schema
                        .structs
                        .get_mut(sid)
                        .and_then(|s| s.fields.get_mut(slot))
                    {
                        f.ty = FieldTy::Key(key);
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        if let Some(key) = &field.unique_by {
            let ty = schema
                .structs
                .get(sid)
                .and_then(|s| s.fields.get(slot))
                .map(|f| f.ty.clone());
            let elem = match ty {
                Some(FieldTy::List(inner)) => match *inner {
                    FieldTy::Struct(s) => schema.structs.get(s),
                    _ => None,
                },
                _ => None,
            };
            let resolved = match elem.map(|e| (e.slot(&key.name), e.name.clone())) {
                Some((Some(k), _)) => Some(k),
                Some((None, name)) => {
                    errors.push(Diagnostic::error(
                        key.span,
                        format!("`{name}` has no field `{}`", key.name),
                    ));
                    None
                }
                None => {
                    errors.push(
                        Diagnostic::error(key.span, "`unique by` applies to a list of structs")
                            .with_help("write it after a type such as `[step]`"),
                    );
                    None
                }
            };
            if let Some(f) = schema
                .structs
                .get_mut(sid)
                .and_then(|s| s.fields.get_mut(slot))
            {
                f.unique_by = resolved;
            }
        }
    }
    (schema, errors)
}

/// Add a field (or, in a variant, reuse the slot of a same-named field of
/// the same type). Returns its slot.
fn add_field<'a>(
    schema: &Schema,
    fields: &mut Vec<FieldDef>,
    f: &'a ast::FieldDecl,
    plain_struct: bool,
    errors: &mut Vec<Diagnostic>,
    pending_keys: &mut Vec<(StructId, usize, &'a ast::FieldDecl)>,
    sid: StructId,
) -> Option<usize> {
    let ty = match resolve_type(schema, &f.ty) {
        Ok(t) => t,
        Err(e) => {
            errors.push(e);
            return None;
        }
    };
    let default = match &f.default {
        None => None,
        Some(expr) => match literal_data(expr, &ty, schema) {
            Ok(d) => Some(d),
            Err(e) => {
                errors.push(e);
                None
            }
        },
    };
    // A field under `when` may be absent, so rules see it as optional.
    let optional = f.ty.optional || default.is_some() || f.when.is_some();
    if let Some(slot) = fields.iter().position(|x| x.name == f.name.name) {
        let existing = fields.get(slot)?;
        if plain_struct || existing.name == "id" || slot == 0 {
            errors.push(
                Diagnostic::error(
                    f.name.span,
                    format!("field `{}` is declared twice", f.name.name),
                )
                .with_related(existing.span, "first declared here"),
            );
            return None;
        }
        if existing.ty != ty || existing.optional != optional {
            errors.push(
                Diagnostic::error(
                    f.ty.span,
                    format!(
                        "field `{}` has type `{}` here but `{}` in another variant",
                        f.name.name,
                        schema.describe(&ty),
                        schema.describe(&existing.ty)
                    ),
                )
                .with_related(existing.span, "declared here")
                .with_help("a field name has one type across all variants"),
            );
            return None;
        }
        return Some(slot);
    }
    if matches!(f.ty.kind, TypeKind::Key { .. }) || f.unique_by.is_some() {
        pending_keys.push((sid, fields.len(), f));
    }
    let marks = if plain_struct {
        field_marks(schema, f, &ty, errors)
    } else {
        Vec::new()
    };
    fields.push(FieldDef {
        name: f.name.name.clone(),
        ty,
        optional,
        default,
        in_all_variants: true,
        unique_by: None,
        when: None,
        marks,
        span: f.span,
        doc: f.doc.clone(),
    });
    Some(fields.len() - 1)
}

/// The report marks written on a field, each checked against its type.
fn field_marks(
    schema: &Schema,
    f: &ast::FieldDecl,
    ty: &FieldTy,
    errors: &mut Vec<Diagnostic>,
) -> Vec<Mark> {
    let mut out = Vec::new();
    for m in &f.marks {
        let Some(mark) = Mark::ALL
            .iter()
            .find(|(name, _)| *name == m.name)
            .map(|(_, mark)| *mark)
        else {
            let names = Mark::ALL.map(|(n, _)| n);
            let help = crate::suggest::closest(&m.name, names.iter().copied()).map_or_else(
                || "marks are `@personal`, `@unit`, `@label` and `@period`".to_string(),
                |s| format!("did you mean `@{s}`?"),
            );
            errors.push(
                Diagnostic::error(m.span, format!("unknown mark `@{}`", m.name)).with_help(help),
            );
            continue;
        };
        let text = FieldTy::Scalar(FieldTy0::Text);
        let fits = match mark {
            Mark::Personal => match ty {
                FieldTy::List(t) | FieldTy::OneOrList(t) => **t == text,
                t => *t == text,
            },
            Mark::Unit => matches!(ty, FieldTy::Ref(_)),
            Mark::Label => *ty == text,
            Mark::Period => *ty == FieldTy::Scalar(FieldTy0::Date),
        };
        if !fits {
            let wanted = match mark {
                Mark::Personal => "`text`, `[text]` or `text or [text]`",
                Mark::Unit => "`ref KIND`",
                Mark::Label => "`text`",
                Mark::Period => "`date`",
            };
            errors.push(
                Diagnostic::error(
                    m.span,
                    format!(
                        "`@{}` does not apply to a field of type `{}`",
                        m.name,
                        schema.describe(ty)
                    ),
                )
                .with_help(format!("`@{}` marks a field of type {wanted}", m.name)),
            );
            continue;
        }
        if !out.contains(&mark) {
            out.push(mark);
        }
    }
    out
}

fn resolve_type(schema: &Schema, t: &ast::TypeExpr) -> Result<FieldTy, Diagnostic> {
    let named = |id: &ast::Ident| -> Result<FieldTy, Diagnostic> {
        match schema.names.get(&id.name) {
            Some(TypeName::Scalar(s)) => Ok(FieldTy::Scalar(*s)),
            Some(TypeName::Enum(e)) => Ok(FieldTy::Enum(*e)),
            Some(TypeName::Struct(s)) => {
                if schema.structs.get(*s).and_then(|d| d.kind).is_some() {
                    Err(Diagnostic::error(
                        id.span,
                        format!("`{}` is a record kind and cannot be nested", id.name),
                    )
                    .with_help(format!("refer to it by id with `ref {}`", id.name)))
                } else {
                    Ok(FieldTy::Struct(*s))
                }
            }
            None => Err(unknown_type(schema, id)),
        }
    };
    match &t.kind {
        TypeKind::Named(id) => named(id),
        TypeKind::List(inner) => Ok(FieldTy::List(Box::new(resolve_type(schema, inner)?))),
        TypeKind::OneOrList(one, many) => {
            if one.name != many.name {
                return Err(Diagnostic::error(
                    t.span,
                    format!("`{} or [{}]` mixes two types", one.name, many.name),
                )
                .with_help(format!("write `{0} or [{0}]`", one.name)));
            }
            Ok(FieldTy::OneOrList(Box::new(named(one)?)))
        }
        TypeKind::Ref(kind) => match schema.kind(&kind.name) {
            Some(k) => Ok(FieldTy::Ref(k)),
            None => Err(Diagnostic::error(
                kind.span,
                format!("unknown record kind `{}`", kind.name),
            )
            .with_help(format!("known kinds: {}", kind_list(schema)))),
        },
        // Resolved once all fields are known.
        TypeKind::Key { .. } => Ok(FieldTy::Scalar(FieldTy0::Text)),
    }
}

fn resolve_key(
    schema: &Schema,
    sid: StructId,
    via: &ast::Ident,
    list: &ast::Ident,
    field: &ast::Ident,
) -> Result<KeyRef, Diagnostic> {
    let owner = schema
        .structs
        .get(sid)
        .ok_or_else(|| Diagnostic::error(via.span, "unknown struct"))?;
    let via_slot = owner.slot(&via.name).ok_or_else(|| {
        Diagnostic::error(
            via.span,
            format!("`{}` has no field `{}`", owner.name, via.name),
        )
        .with_help("a key names a sibling `ref` field first")
    })?;
    let Some(FieldTy::Ref(kind)) = owner.fields.get(via_slot).map(|f| &f.ty) else {
        return Err(
            Diagnostic::error(via.span, format!("field `{}` is not a `ref`", via.name))
                .with_help("a key goes through a sibling field of type `ref KIND`"),
        );
    };
    let root = schema.kinds.get(*kind).map(|k| k.root).unwrap_or(0);
    let target = schema
        .structs
        .get(root)
        .ok_or_else(|| Diagnostic::error(list.span, "unknown kind"))?;
    let list_slot = target.slot(&list.name).ok_or_else(|| {
        Diagnostic::error(
            list.span,
            format!("kind `{}` has no field `{}`", target.name, list.name),
        )
    })?;
    let elem = match target.fields.get(list_slot).map(|f| &f.ty) {
        Some(FieldTy::List(inner)) => match inner.as_ref() {
            FieldTy::Struct(s) => *s,
            _ => {
                return Err(Diagnostic::error(
                    list.span,
                    format!("`{}` is not a list of structs", list.name),
                ));
            }
        },
        _ => {
            return Err(Diagnostic::error(
                list.span,
                format!("`{}` is not a list", list.name),
            ));
        }
    };
    let elem_def = schema
        .structs
        .get(elem)
        .ok_or_else(|| Diagnostic::error(field.span, "unknown struct"))?;
    let key_slot = elem_def.slot(&field.name).ok_or_else(|| {
        Diagnostic::error(
            field.span,
            format!("`{}` has no field `{}`", elem_def.name, field.name),
        )
    })?;
    let base = elem_def
        .fields
        .get(key_slot)
        .map(|f| f.ty.clone())
        .unwrap_or(FieldTy::Scalar(FieldTy0::Text));
    Ok(KeyRef {
        via_slot,
        kind: *kind,
        list_slot,
        elem,
        key_slot,
        base: Box::new(base),
        describe: format!("{}.{}.{}", via.name, list.name, field.name),
    })
}

fn unknown_type(schema: &Schema, id: &ast::Ident) -> Diagnostic {
    let mut names: Vec<&str> = schema.names.keys().map(String::as_str).collect();
    names.sort_unstable();
    let d = Diagnostic::error(id.span, format!("unknown type `{}`", id.name));
    match crate::suggest::closest(&id.name, names.iter().copied()) {
        Some(s) => d.with_help(format!("did you mean `{s}`?")),
        None => d.with_help(format!("types are {}", names.join(", "))),
    }
}

fn kind_list(schema: &Schema) -> String {
    schema
        .kinds
        .iter()
        .map(|k| format!("`{}`", k.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A default value: a literal of the field's type.
fn literal_data(expr: &ast::Expr, ty: &FieldTy, schema: &Schema) -> Result<Data, Diagnostic> {
    let bad = || {
        Diagnostic::error(
            expr.span,
            format!(
                "a default for a field of type `{}` must be a literal of that type",
                schema.describe(ty)
            ),
        )
    };
    let data = match (&expr.kind, ty) {
        (ExprKind::None, _) => Data::None,
        (ExprKind::Bool(b), FieldTy::Scalar(FieldTy0::Bool)) => Data::Bool(*b),
        (
            ExprKind::Num(n, _),
            FieldTy::Scalar(FieldTy0::Number | FieldTy0::Money | FieldTy0::SignedMoney),
        ) => Data::num_of(*n),
        (ExprKind::Num(n, _), FieldTy::Scalar(FieldTy0::Ordinal))
            if n.is_integer() && *n > Num::int(0) =>
        {
            Data::num_of(*n)
        }
        (ExprKind::Num(n, _), FieldTy::Scalar(FieldTy0::Whole))
            if n.is_integer() && *n >= crate::num::Num::ZERO =>
        {
            Data::num_of(*n)
        }
        (ExprKind::Num(n, _), FieldTy::Scalar(FieldTy0::Days)) => {
            Data::Days(n.to_i64().ok_or_else(bad)?)
        }
        (ExprKind::Str(t), FieldTy::Scalar(FieldTy0::Text)) => {
            Data::text_of(&t.as_plain().ok_or_else(bad)?)
        }
        (ExprKind::Date(d), FieldTy::Scalar(FieldTy0::Date)) => Data::Date(*d),
        (ExprKind::Str(t), FieldTy::Scalar(FieldTy0::Date)) => {
            let text = t.as_plain().ok_or_else(bad)?;
            Data::Date(crate::date::Date::parse(&text).map_err(|_| bad())?)
        }
        (ExprKind::Str(t), FieldTy::Enum(e)) => {
            let text = t.as_plain().ok_or_else(bad)?;
            let def = schema.enums.get(*e).ok_or_else(bad)?;
            if !def.members.contains(&text) {
                return Err(Diagnostic::error(
                    expr.span,
                    format!("`{text}` is not a value of `{}`", def.name),
                )
                .with_help(format!("values are {}", def.members.join(", "))));
            }
            Data::text_of(&text)
        }
        (ExprKind::List(items), FieldTy::List(inner) | FieldTy::OneOrList(inner)) => {
            let mut out = Vec::new();
            for item in items {
                out.push(Datum::new(literal_data(item, inner, schema)?));
            }
            Data::list(out)
        }
        _ => return Err(bad()),
    };
    Ok(data)
}
