//! The record schema, as the rule files declare it: enums, structs, tagged
//! variants and record kinds. Nothing here knows any particular kind.

mod build;

pub use build::build;

use std::collections::HashMap;

use crate::date::Date;
use crate::num::Num;
use crate::source::Span;

/// Index of an enum in [`Schema::enums`].
pub type EnumId = usize;
/// Index of a struct in [`Schema::structs`].
pub type StructId = usize;
/// Index of a kind in [`Schema::kinds`].
pub type KindId = usize;

/// All record formats known to a run.
#[derive(Debug, Default, Clone)]
pub struct Schema {
    /// Enumerations.
    pub enums: Vec<EnumDef>,
    /// Structures, record kinds' top-level structures included.
    pub structs: Vec<StructDef>,
    /// Record kinds.
    pub kinds: Vec<KindDef>,
    /// Type names → what they name.
    pub names: HashMap<String, TypeName>,
}

/// What a type name refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeName {
    /// A built-in scalar type.
    Scalar(FieldTy0),
    /// An enum.
    Enum(EnumId),
    /// A struct (or a kind's structure).
    Struct(StructId),
}

/// The built-in scalar types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldTy0 {
    /// `text`.
    Text,
    /// `number`.
    Number,
    /// `money` (yuan), never negative.
    Money,
    /// `signed_money` (yuan) that may be negative, e.g. a refund.
    SignedMoney,
    /// `ordinal`: a positive whole number (1, 2, 3 …), e.g. an item's number.
    Ordinal,
    /// `date`.
    Date,
    /// `days`.
    Days,
    /// `bool`.
    Bool,
}

/// An enumeration.
#[derive(Debug, Clone)]
pub struct EnumDef {
    /// Its name.
    pub name: String,
    /// Allowed values.
    pub members: Vec<String>,
    /// Where declared.
    pub span: Span,
    /// Doc comment.
    pub doc: Option<String>,
}

/// A record kind.
#[derive(Debug, Clone)]
pub struct KindDef {
    /// The value of `kind:` in records.
    pub name: String,
    /// Its top-level structure (slot 0 is `id`).
    pub root: StructId,
    /// Where declared.
    pub span: Span,
}

/// A structure: named fields, optionally with tagged variants.
#[derive(Debug, Clone)]
pub struct StructDef {
    /// Its name.
    pub name: String,
    /// Every field, of every variant; a value keeps one slot per field.
    pub fields: Vec<FieldDef>,
    /// The tag, for a tagged struct.
    pub tag: Option<TagDef>,
    /// The kind whose top-level structure this is.
    pub kind: Option<KindId>,
    /// Where declared.
    pub span: Span,
    /// Doc comment.
    pub doc: Option<String>,
}

impl StructDef {
    /// The slot of a field by name.
    pub fn slot(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }
}

/// The tag of a tagged struct.
#[derive(Debug, Clone)]
pub struct TagDef {
    /// The field holding the variant name.
    pub field: String,
    /// The tag field's slot.
    pub slot: usize,
    /// The variants.
    pub variants: Vec<VariantDef>,
}

/// One variant of a tagged struct.
#[derive(Debug, Clone)]
pub struct VariantDef {
    /// The tag value.
    pub name: String,
    /// Slots of its fields.
    pub slots: Vec<usize>,
    /// Where declared.
    pub span: Span,
}

/// One field.
#[derive(Debug, Clone)]
pub struct FieldDef {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: FieldTy,
    /// May be left out (`?` or a default).
    pub optional: bool,
    /// The value used when left out.
    pub default: Option<Data>,
    /// Present in every variant (always true for untagged structs).
    pub in_all_variants: bool,
    /// For a list of structs: the slot of the element field whose values must differ.
    pub unique_by: Option<usize>,
    /// Where declared.
    pub span: Span,
    /// Doc comment.
    pub doc: Option<String>,
}

/// Field types.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldTy {
    /// A scalar.
    Scalar(FieldTy0),
    /// One of an enum's values.
    Enum(EnumId),
    /// The tag of a tagged struct: one of its variant names.
    Tag(StructId),
    /// A list.
    List(Box<FieldTy>),
    /// One value or a list of them, read as a list.
    OneOrList(Box<FieldTy>),
    /// A nested structure.
    Struct(StructId),
    /// The id of a record of a kind.
    Ref(KindId),
    /// A key into a list of the record named by a sibling reference.
    Key(KeyRef),
}

/// `key via.list.field`.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyRef {
    /// Slot of the sibling `ref` field.
    pub via_slot: usize,
    /// The kind that field refers to.
    pub kind: KindId,
    /// Slot of the list in that kind's structure.
    pub list_slot: usize,
    /// The struct of the list's elements.
    pub elem: StructId,
    /// Slot of the key field in the elements.
    pub key_slot: usize,
    /// The key's type.
    pub base: Box<FieldTy>,
    /// Names for messages: `meeting.items.no`.
    pub describe: String,
}

/// A value read from a record (or a default), with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Datum {
    /// Where in the record file (defaults: the enclosing value's span).
    pub span: Span,
    /// The value.
    pub data: Data,
}

/// Typed record data.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// Absent or null.
    None,
    /// `true` / `false`.
    Bool(bool),
    /// A number or an amount.
    Num(Num),
    /// Text, an enum value, a tag or an id.
    Text(Box<str>),
    /// A date.
    Date(Date),
    /// A number of days.
    Days(i64),
    /// A list.
    List(Vec<Datum>),
    /// A structure: the variant index (0 when untagged) and one datum per slot.
    Struct(u32, Vec<Datum>),
}

impl Schema {
    /// The kind with this name.
    pub fn kind(&self, name: &str) -> Option<KindId> {
        self.kinds.iter().position(|k| k.name == name)
    }

    /// A human name of a field type: `text`, `[opinion]`, `ref org` …
    pub fn describe(&self, ty: &FieldTy) -> String {
        match ty {
            FieldTy::Scalar(s) => scalar_name(*s).to_string(),
            FieldTy::Enum(e) => self.enums.get(*e).map_or("enum".into(), |e| e.name.clone()),
            FieldTy::Tag(s) => self
                .structs
                .get(*s)
                .map_or("tag".into(), |s| format!("{} name", s.name)),
            FieldTy::List(t) => format!("[{}]", self.describe(t)),
            FieldTy::OneOrList(t) => format!("{0} or [{0}]", self.describe(t)),
            FieldTy::Struct(s) => self
                .structs
                .get(*s)
                .map_or("struct".into(), |s| s.name.clone()),
            FieldTy::Ref(k) => self
                .kinds
                .get(*k)
                .map_or("ref".into(), |k| format!("ref {}", k.name)),
            FieldTy::Key(k) => format!("key {}", k.describe),
        }
    }
}

/// The written name of a scalar type.
pub fn scalar_name(s: FieldTy0) -> &'static str {
    match s {
        FieldTy0::Text => "text",
        FieldTy0::Number => "number",
        FieldTy0::Money => "money",
        FieldTy0::SignedMoney => "signed_money",
        FieldTy0::Ordinal => "ordinal",
        FieldTy0::Date => "date",
        FieldTy0::Days => "days",
        FieldTy0::Bool => "bool",
    }
}
