//! Static types of rule expressions.

use crate::schema::{EnumId, FieldTy, FieldTy0, KindId, Schema, StructId};

/// The built-in structured values functions return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjKind {
    /// A finding of another rule: `rule`, `severity`, `message`, `title`.
    Finding,
    /// A chain step dated too early: `step`, `after`.
    OrderFault,
    /// One person in two incompatible steps: `person`, `first`, `second`.
    ActorFault,
    /// A reference in a record: `field`, `target`, `value`, `resolved`, `node`.
    RefUse,
    /// A group of a group scope: `key`, `members`.
    Group,
    /// A working-day calendar: `years`, `holidays`, `working_days`.
    Calendar,
}

impl ObjKind {
    /// Field names, in slot order.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            ObjKind::Finding => &["rule", "severity", "message", "title"],
            ObjKind::OrderFault => &["step", "after"],
            ObjKind::ActorFault => &["person", "first", "second"],
            ObjKind::RefUse => &["field", "target", "value", "resolved", "node"],
            ObjKind::Group => &["key", "members"],
            ObjKind::Calendar => &["years", "holidays", "working_days"],
        }
    }

    /// Name for messages.
    pub fn name(self) -> &'static str {
        match self {
            ObjKind::Finding => "finding",
            ObjKind::OrderFault => "order fault",
            ObjKind::ActorFault => "actor fault",
            ObjKind::RefUse => "reference",
            ObjKind::Group => "group",
            ObjKind::Calendar => "calendar",
        }
    }
}

/// The type of an expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    /// Unknown (after an error, or mixed): accepted anywhere, checked when run.
    Any,
    /// The `none` literal.
    Nothing,
    /// `true`/`false`.
    Bool,
    /// A plain number.
    Num,
    /// An amount in yuan.
    Money,
    /// Text.
    Text,
    /// A date.
    Date,
    /// A number of days.
    Days,
    /// A value of an enum.
    Enum(EnumId),
    /// The tag of a tagged struct.
    Tag(StructId),
    /// A list.
    List(Box<Ty>),
    /// A value that may be none.
    Opt(Box<Ty>),
    /// A structure; the kind it sits in, where known (for `record(x)`).
    Struct(StructId, Option<KindId>),
    /// A record of any kind (`for r in *`): only `kind` and `id`.
    AnyRecord,
    /// The id of a record of a kind.
    Ref(KindId),
    /// A key into a list of a referenced record (`key meeting.items.no`).
    Key(Box<Ty>, StructId, Option<KindId>),
    /// A built-in structured value; the parameter is the chain's step type
    /// for chain faults.
    Obj(ObjKind, Box<Ty>),
    /// The result of `group(...)`: lists of the given element type by key.
    Groups(Box<Ty>),
    /// One group of a group scope (`for g in group(…)`): its key's type and
    /// its members' type; fields `key` and `members`.
    Group(Box<Ty>, Box<Ty>),
    /// A chain template.
    Chain(usize),
}

impl Ty {
    /// Without an `Opt` wrapper.
    pub fn strip(&self) -> &Ty {
        match self {
            Ty::Opt(t) => t.strip(),
            t => t,
        }
    }

    /// Wrapped in `Opt` (once).
    pub fn opt(self) -> Ty {
        match self {
            Ty::Opt(_) | Ty::Any | Ty::Nothing => self,
            t => Ty::Opt(Box::new(t)),
        }
    }

    /// Whether this may be none.
    pub fn is_opt(&self) -> bool {
        matches!(self, Ty::Opt(_) | Ty::Nothing)
    }

    /// Whether this is numeric (number or money; keys to numbers too).
    pub fn is_numeric(&self) -> bool {
        match self.strip() {
            Ty::Num | Ty::Money | Ty::Any => true,
            Ty::Key(base, _, _) => base.is_numeric(),
            _ => false,
        }
    }

    /// Whether values are text underneath (text, enum values, tags, ids).
    pub fn is_textual(&self) -> bool {
        match self.strip() {
            Ty::Text | Ty::Enum(_) | Ty::Tag(_) | Ty::Ref(_) | Ty::Any => true,
            Ty::Key(base, _, _) => base.is_textual(),
            _ => false,
        }
    }

    /// The element type of a list (also of an optional list).
    pub fn elem(&self) -> Option<Ty> {
        match self.strip() {
            Ty::List(t) => Some((**t).clone()),
            Ty::Any => Some(Ty::Any),
            _ => None,
        }
    }

    /// The type of a schema field, read inside a record of `owner`.
    pub fn of_field(ty: &FieldTy, owner: Option<KindId>) -> Ty {
        match ty {
            FieldTy::Scalar(s) => match s {
                FieldTy0::Text => Ty::Text,
                FieldTy0::Number | FieldTy0::Whole | FieldTy0::Ordinal => Ty::Num,
                FieldTy0::Money | FieldTy0::SignedMoney => Ty::Money,
                FieldTy0::Date => Ty::Date,
                FieldTy0::Days => Ty::Days,
                FieldTy0::Bool => Ty::Bool,
            },
            FieldTy::Enum(e) => Ty::Enum(*e),
            FieldTy::Tag(s) => Ty::Tag(*s),
            FieldTy::List(t) | FieldTy::OneOrList(t) => Ty::List(Box::new(Ty::of_field(t, owner))),
            FieldTy::Struct(s) => Ty::Struct(*s, owner),
            FieldTy::Ref(k) => Ty::Ref(*k),
            FieldTy::Key(k) => {
                Ty::Key(Box::new(Ty::of_field(&k.base, owner)), k.elem, Some(k.kind))
            }
        }
    }

    /// How the type reads in messages.
    pub fn describe(&self, schema: &Schema) -> String {
        match self {
            Ty::Any => "any value".into(),
            Ty::Nothing => "none".into(),
            Ty::Bool => "bool".into(),
            Ty::Num => "number".into(),
            Ty::Money => "money".into(),
            Ty::Text => "text".into(),
            Ty::Date => "date".into(),
            Ty::Days => "days".into(),
            Ty::Enum(e) => schema
                .enums
                .get(*e)
                .map_or("enum".into(), |e| e.name.clone()),
            Ty::Tag(s) => schema
                .structs
                .get(*s)
                .map_or("tag".into(), |s| format!("{} name", s.name)),
            Ty::List(t) => format!("[{}]", t.describe(schema)),
            Ty::Opt(t) => format!("{}?", t.describe(schema)),
            Ty::Struct(s, _) => schema
                .structs
                .get(*s)
                .map_or("struct".into(), |s| s.name.clone()),
            Ty::AnyRecord => "record".into(),
            Ty::Ref(k) => schema
                .kinds
                .get(*k)
                .map_or("ref".into(), |k| format!("ref {}", k.name)),
            Ty::Key(base, _, _) => format!("key ({})", base.describe(schema)),
            Ty::Obj(o, _) => o.name().into(),
            Ty::Groups(t) => format!("groups of {}", t.describe(schema)),
            Ty::Group(_, t) => format!("group of {}", t.describe(schema)),
            Ty::Chain(_) => "chain".into(),
        }
    }
}

/// Whether values of `a` and `b` can be compared for equality.
pub fn comparable(a: &Ty, b: &Ty) -> bool {
    let (a, b) = (a.strip(), b.strip());
    match (a, b) {
        (Ty::Any | Ty::Nothing, _) | (_, Ty::Any | Ty::Nothing) => true,
        _ if a.is_numeric() && b.is_numeric() => true,
        _ if a.is_textual() && b.is_textual() => true,
        (Ty::Date, Ty::Date) | (Ty::Days, Ty::Days) | (Ty::Bool, Ty::Bool) => true,
        (Ty::Struct(x, _), Ty::Struct(y, _)) => x == y,
        (Ty::Struct(_, Some(_)) | Ty::AnyRecord, Ty::AnyRecord)
        | (Ty::AnyRecord, Ty::Struct(_, Some(_))) => true,
        (Ty::List(x), Ty::List(y)) => comparable(x, y),
        (Ty::Obj(x, _), Ty::Obj(y, _)) => x == y,
        _ => false,
    }
}

/// Whether values of `a` and `b` can be ordered (`<`, `max`, `sort`).
pub fn orderable(a: &Ty, b: &Ty) -> bool {
    let (a, b) = (a.strip(), b.strip());
    match (a, b) {
        (Ty::Any, _) | (_, Ty::Any) => true,
        _ if a.is_numeric() && b.is_numeric() => true,
        _ if a.is_textual() && b.is_textual() => true,
        (Ty::Date, Ty::Date) | (Ty::Days, Ty::Days) => true,
        _ => false,
    }
}

/// The common type of two branches or list elements, if they have one.
pub fn unify(a: &Ty, b: &Ty) -> Option<Ty> {
    if a == b {
        return Some(a.clone());
    }
    match (a, b) {
        (Ty::Any, _) | (_, Ty::Any) => Some(Ty::Any),
        (Ty::Nothing, t) | (t, Ty::Nothing) => Some(t.clone().opt()),
        (Ty::Opt(x), y) | (y, Ty::Opt(x)) => unify(x, y).map(Ty::opt),
        (Ty::Money, Ty::Num) | (Ty::Num, Ty::Money) => Some(Ty::Money),
        (Ty::List(x), Ty::List(y)) => unify(x, y).map(|t| Ty::List(Box::new(t))),
        (Ty::Struct(x, k1), Ty::Struct(y, k2)) if x == y => {
            Some(Ty::Struct(*x, if k1 == k2 { *k1 } else { None }))
        }
        _ if a.is_textual() && b.is_textual() => Some(Ty::Text),
        _ => None,
    }
}
