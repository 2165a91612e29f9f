//! The record schema, as the rule files declare it: enums, structs, tagged
//! variants and record kinds. Nothing here knows any particular kind.

mod build;
mod data;
mod fields;
mod marks;

pub use build::build;
pub use data::{Data, SharedText, Short, Texts};
pub use fields::Fields;
pub use marks::{Marked, resolve_units};

use std::collections::HashMap;

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

impl Schema {
    /// Whether records read against `other` read the same against this
    /// schema: the same declarations, wherever they are written. An edit of
    /// a rule file that leaves the record formats alone (a rule, a comment,
    /// a moved declaration) keeps the records an editor has read.
    pub fn reads_like(&self, other: &Schema) -> bool {
        self.shape() == other.shape()
    }

    /// The declarations without their places.
    fn shape(&self) -> String {
        let text = format!("{:?}{:?}{:?}", self.enums, self.structs, self.kinds);
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(at) = rest.find("Span {") {
            out.push_str(&rest[..at]);
            rest = rest[at..].find('}').map_or("", |end| &rest[at + end + 1..]);
        }
        out.push_str(rest);
        out
    }
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
    /// `whole`: a whole number, zero or more (counts, working days).
    Whole,
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
    /// `require a <= b`: comparisons between fields every value keeps.
    pub checks: Vec<CheckDef>,
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

/// `require a <= b` in a struct: the two fields' slots and the comparison.
#[derive(Debug, Clone)]
pub struct CheckDef {
    /// Slot of the left field.
    pub left: usize,
    /// The comparison.
    pub op: crate::syntax::ast::BinOp,
    /// Slot of the right field.
    pub right: usize,
}

/// `when FIELD == VALUE` on a field: required when the sibling has that
/// value, absent otherwise.
#[derive(Debug, Clone, PartialEq)]
pub struct WhenDef {
    /// Slot of the sibling field.
    pub slot: usize,
    /// The value that requires the field.
    pub value: String,
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
    /// Report marks of its fields, by slot (a slot may be marked in one
    /// variant only: the date of one step).
    pub marks: Vec<(usize, Mark)>,
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
    /// Required only under a sibling's value, and absent otherwise.
    pub when: Option<WhenDef>,
    /// Report marks (`@personal` …); in a tagged struct they live on the variants.
    pub marks: Vec<Mark>,
    /// Where declared.
    pub span: Span,
    /// Doc comment.
    pub doc: Option<String>,
}

/// What a report makes of a field: written `@personal`, `@unit`, `@label`
/// or `@period` after the field's type. The checker ignores them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// Its texts are personal names: `--public` masks them.
    Personal,
    /// A `ref` to the unit the record belongs to; records of the referenced
    /// kind are units themselves.
    Unit,
    /// The text a report shows for the record (a unit's full name).
    Label,
    /// The date a report counts the record's findings under (by month);
    /// the first such date in the record is taken.
    Period,
}

impl Mark {
    /// Every mark, with its written name.
    pub const ALL: [(&'static str, Mark); 4] = [
        ("personal", Mark::Personal),
        ("unit", Mark::Unit),
        ("label", Mark::Label),
        ("period", Mark::Period),
    ];

    /// The written name, without `@`.
    pub fn name(self) -> &'static str {
        match self {
            Mark::Personal => "personal",
            Mark::Unit => "unit",
            Mark::Label => "label",
            Mark::Period => "period",
        }
    }
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

/// A value read from a record (or a default). It keeps no place: a
/// large run holds tens of data for each of a million records, and only
/// the few a finding names are ever placed, by reading their record's
/// text again (see [`crate::records::Record::locate`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Datum {
    /// The value.
    pub data: Data,
}

/// The datum every field left out of a structure reads as, when the
/// structure holds only its written fields (see [`Fields`]): one for the
/// whole run, where each structure held one of its own. Evaluation tells
/// which structure a field left out belongs to by the structure it read
/// it from, not by this datum.
pub static LEFT_OUT: Datum = Datum { data: Data::None };

impl Datum {
    /// A datum holding `data`.
    pub fn new(data: Data) -> Datum {
        Datum { data }
    }

    /// An absent value: a field left out or written empty.
    pub fn none() -> Datum {
        Datum::new(Data::None)
    }

    /// This datum and every datum inside it (the fields of a structure,
    /// the elements of a list, at any depth), in no set order. The fields
    /// left out that read as [`LEFT_OUT`] are not in it: that datum is in
    /// no record.
    pub fn all(&self) -> impl Iterator<Item = &Datum> {
        let mut stack = vec![self];
        std::iter::from_fn(move || {
            let d = stack.pop()?;
            stack.extend(d.data.as_list().unwrap_or_default());
            let fields = d.data.fields();
            let held = fields.iter().flat_map(|f| f.iter());
            stack.extend(held.filter(|f| !std::ptr::eq(*f, &LEFT_OUT)));
            Some(d)
        })
    }

    /// Whether `inner` is this datum or lies inside it.
    pub fn holds(&self, inner: &Datum) -> bool {
        self.all().any(|d| std::ptr::eq(d, inner))
    }
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
        FieldTy0::Whole => "whole",
        FieldTy0::Money => "money",
        FieldTy0::SignedMoney => "signed_money",
        FieldTy0::Ordinal => "ordinal",
        FieldTy0::Date => "date",
        FieldTy0::Days => "days",
        FieldTy0::Bool => "bool",
    }
}

// A record holds tens to hundreds of data: their size is most of the
// memory of a large run.
const _: () = assert!(std::mem::size_of::<Datum>() <= 16);
