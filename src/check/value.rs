//! Run-time values. Record data is borrowed, never copied: a value taken
//! from a record is a reference to its [`Datum`] and the record's number,
//! which is what a finding pointed at it is placed by.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use super::groups::GroupMap;
use super::types::ObjKind;
use crate::date::Date;
use crate::num::{Num, PackedNum};
use crate::schema::{Data, Datum};

/// A value during evaluation.
#[derive(Clone, Debug)]
pub enum Value<'a> {
    /// Absent.
    None,
    /// `true`/`false`.
    Bool(bool),
    /// A number or amount.
    Num(PackedNum),
    /// Text.
    Text(Arc<str>),
    /// Text borrowed from a record.
    Str(&'a str),
    /// A date.
    Date(Date),
    /// A number of days.
    Days(i64),
    /// A computed list.
    List(Arc<Vec<Value<'a>>>),
    /// A value inside record number `.1` (a whole record is its root datum).
    Node(&'a Datum, u32),
    /// A field left out of (or written empty in) the structure `.0`, in
    /// record number `.1`: absent to every operation, but a finding
    /// pointed at it points at that structure, where the field would be
    /// written. Most fields left out hold no datum of their own (they read
    /// as the shared [`crate::schema::LEFT_OUT`]), so none could tell.
    Absent(&'a Datum, u32),
    /// A list of one value inside record number `.1`: a one-or-list field
    /// (`text or [text]`) written as its one value, which the record holds
    /// alone.
    One(&'a Datum, u32),
    /// A built-in structured value.
    Obj(ObjKind, Arc<Vec<Value<'a>>>),
    /// Lists of values by key, from `group`.
    Groups(Arc<GroupMap<'a>>),
    /// A chain template.
    Chain(usize),
}

// Every step of evaluation returns a value and lists hold them: a
// number held whole would make it 48 bytes.
const _: () = assert!(std::mem::size_of::<Value<'static>>() <= 24);

/// A hash map for evaluation's own indexes: foldhash is several times
/// faster than the standard SipHash on the short keys evaluation hashes
/// (record numbers, call sites, values), and its seeds are random per
/// process as the standard map's are.
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A hash set, as [`FastMap`].
pub type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// The members of one group of a `group`.
#[derive(Debug, Clone)]
pub enum Members<'a> {
    /// One datum of a record, held without a list: a group over records
    /// by id has a group per record, and a list would cost two more
    /// allocations, 80 bytes, for each.
    One(&'a Datum, u32),
    /// The members, shared: `windows` and `sum_before` over a group are
    /// computed once for all who ask for it.
    Many(Arc<Vec<Value<'a>>>),
}

impl<'a> Members<'a> {
    /// A group of the one value `x`.
    pub fn of(x: Value<'a>) -> Members<'a> {
        match x {
            Value::Node(d, rec) => Members::One(d, rec),
            x => Members::Many(Arc::new(vec![x])),
        }
    }

    /// Add `x` after the members.
    pub fn push(&mut self, x: Value<'a>) {
        match self {
            Members::One(d, rec) => *self = Members::Many(Arc::new(vec![Value::Node(d, *rec), x])),
            Members::Many(list) => Arc::make_mut(list).push(x),
        }
    }

    /// Give back the room its list left over as it grew.
    pub fn shrink_to_fit(&mut self) {
        if let Members::Many(list) = self
            && let Some(list) = Arc::get_mut(list)
        {
            list.shrink_to_fit();
        }
    }

    /// The members as a list, made afresh for one member. That is safe
    /// where evaluation remembers results by list: each memory holds its
    /// list, so a new list never takes the place of an old one.
    pub fn list(&self) -> Arc<Vec<Value<'a>>> {
        match self {
            Members::One(d, rec) => Arc::new(vec![Value::Node(d, *rec)]),
            Members::Many(list) => list.clone(),
        }
    }
}

/// A hashable image of a value, for grouping and set operations. Record
/// structures compare by identity; scalars by value. Texts compare by
/// their bytes, borrowed or shared alike.
#[derive(Clone, Debug)]
pub enum Key<'a> {
    /// Absent.
    None,
    /// Bool.
    Bool(bool),
    /// Number.
    Num(PackedNum),
    /// Text borrowed from a record, as its bytes: grouping copies no text.
    Text(&'a [u8]),
    /// Text a rule made, shared with its value.
    Made(Arc<str>),
    /// Date.
    Date(Date),
    /// Days.
    Days(i64),
    /// Identity of a record structure or built-in value.
    Ptr(usize),
    /// A list, element by element.
    List(Box<[Key<'a>]>),
}

// A group over records keeps a key per record: two words and a tag, not
// the four words a copy-on-write text would take.
const _: () = assert!(std::mem::size_of::<Key<'static>>() <= 24);

impl Key<'_> {
    /// The order of the kinds of key: texts of both forms are one kind.
    fn rank(&self) -> u8 {
        match self {
            Key::None => 0,
            Key::Bool(_) => 1,
            Key::Num(_) => 2,
            Key::Text(_) | Key::Made(_) => 3,
            Key::Date(_) => 4,
            Key::Days(_) => 5,
            Key::Ptr(_) => 6,
            Key::List(_) => 7,
        }
    }

    /// The bytes of a text key.
    fn text(&self) -> Option<&[u8]> {
        match self {
            Key::Text(t) => Some(t),
            Key::Made(t) => Some(t.as_bytes()),
            _ => None,
        }
    }
}

impl Ord for Key<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        use std::cmp::Ordering::Equal;
        self.rank()
            .cmp(&other.rank())
            .then_with(|| match (self, other) {
                (Key::Bool(a), Key::Bool(b)) => a.cmp(b),
                (Key::Num(a), Key::Num(b)) => a.cmp(b),
                (Key::Date(a), Key::Date(b)) => a.cmp(b),
                (Key::Days(a), Key::Days(b)) => a.cmp(b),
                (Key::Ptr(a), Key::Ptr(b)) => a.cmp(b),
                (Key::List(a), Key::List(b)) => a.cmp(b),
                _ => match (self.text(), other.text()) {
                    (Some(a), Some(b)) => a.cmp(b),
                    // Both none: the ranks are equal, and no other kind is left.
                    _ => Equal,
                },
            })
    }
}

impl PartialOrd for Key<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Key<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Key::None, Key::None) => true,
            (Key::Bool(a), Key::Bool(b)) => a == b,
            // As the hash sees a number, not as `cmp` orders two that
            // overflow when compared.
            (Key::Num(a), Key::Num(b)) => a == b,
            (Key::Date(a), Key::Date(b)) => a == b,
            (Key::Days(a), Key::Days(b)) => a == b,
            (Key::Ptr(a), Key::Ptr(b)) => a == b,
            (Key::List(a), Key::List(b)) => a == b,
            _ => matches!((self.text(), other.text()), (Some(a), Some(b)) if a == b),
        }
    }
}

impl Eq for Key<'_> {}

impl std::hash::Hash for Key<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.rank().hash(state);
        match self {
            Key::None => {}
            Key::Bool(b) => b.hash(state),
            Key::Num(n) => n.hash(state),
            Key::Text(_) | Key::Made(_) => self.text().hash(state),
            Key::Date(d) => d.hash(state),
            Key::Days(n) => n.hash(state),
            Key::Ptr(p) => p.hash(state),
            Key::List(l) => l.hash(state),
        }
    }
}

impl<'a> Value<'a> {
    /// A number.
    pub fn num(n: Num) -> Value<'a> {
        Value::Num(PackedNum::new(n))
    }

    /// Text owned by the value.
    pub fn text(s: &str) -> Value<'a> {
        Value::Text(Arc::from(s))
    }

    /// Resolve a record reference into the plain value it holds (scalars),
    /// leaving structures and lists as references.
    pub fn force(&self) -> Value<'a> {
        match self {
            Value::Node(d, rec) => match &d.data {
                Data::None => Value::None,
                Data::Bool(b) => Value::Bool(*b),
                Data::Num { .. } | Data::BigNum(_) => {
                    d.data.as_num().map_or(Value::None, Value::num)
                }
                Data::Text(t) => Value::Str(t.as_str()),
                Data::Short(t) => Value::Str(t.as_str()),
                Data::Date(x) => Value::Date(*x),
                Data::Days(n) => Value::Days(*n),
                // Lists and structures.
                _ => Value::Node(d, *rec),
            },
            Value::Absent(..) => Value::None,
            other => other.clone(),
        }
    }

    /// Like [`Value::force`], without copying a value that is already
    /// plain: computed lists and texts are shared between threads, and
    /// counting their references on every comparison costs more than the
    /// comparison.
    pub fn forced(&self) -> Cow<'_, Value<'a>> {
        match self {
            Value::Node(..) | Value::Absent(..) => Cow::Owned(self.force()),
            other => Cow::Borrowed(other),
        }
    }

    /// Whether the value is absent.
    pub fn is_none(&self) -> bool {
        matches!(*self.forced(), Value::None)
    }

    /// Truth of a condition: none counts as false.
    pub fn truthy(&self) -> bool {
        matches!(*self.forced(), Value::Bool(true))
    }

    /// The bytes of a textual value.
    fn text_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Text(t) => Some(t.as_bytes()),
            Value::Str(s) => Some(s.as_bytes()),
            Value::Node(d, _) => d.data.text_bytes(),
            _ => None,
        }
    }

    /// The text of a textual value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            Value::Str(s) => Some(s),
            Value::Node(d, _) => d.data.as_text(),
            _ => None,
        }
    }

    /// The number of a numeric value.
    pub fn as_num(&self) -> Option<Num> {
        match &*self.forced() {
            Value::Num(n) => Some(n.get()),
            _ => None,
        }
    }

    /// The elements of a list value (empty for none and non-lists).
    pub fn items(&self) -> Vec<Value<'a>> {
        match self {
            Value::List(items) => items.as_ref().clone(),
            Value::Node(d, rec) => match d.data.as_list() {
                Some(items) => items.iter().map(|i| Value::Node(i, *rec)).collect(),
                None => Vec::new(),
            },
            Value::One(d, rec) => vec![Value::Node(d, *rec)],
            _ => Vec::new(),
        }
    }

    /// The number of elements of a list value.
    pub fn len(&self) -> usize {
        match self {
            Value::List(items) => items.len(),
            Value::Node(d, _) => d.data.as_list().map_or(0, <[Datum]>::len),
            Value::One(..) => 1,
            _ => 0,
        }
    }

    /// Whether a list value is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The datum behind a value taken from a record.
    pub fn datum(&self) -> Option<(&'a Datum, u32)> {
        match self {
            Value::Node(d, rec) | Value::One(d, rec) => Some((d, *rec)),
            Value::Obj(ObjKind::RefUse, fields) => fields.get(4).and_then(Value::datum),
            _ => None,
        }
    }

    /// Where a finding pointed at this value points: its datum, or for a
    /// field left out, the structure it was left out of.
    pub fn locus(&self) -> Option<(&'a Datum, u32)> {
        match self {
            Value::Absent(holder, rec) => Some((holder, *rec)),
            _ => self.datum(),
        }
    }

    /// The hashable image of the value.
    pub fn key(&self) -> Key<'a> {
        if let Value::Node(d, _) = self
            && let Some(bytes) = d.data.text_bytes()
        {
            return Key::Text(bytes);
        }
        match self.forced().into_owned() {
            Value::None | Value::Absent(..) => Key::None,
            Value::Bool(b) => Key::Bool(b),
            Value::Num(n) => Key::Num(n),
            Value::Text(t) => Key::Made(t),
            Value::Str(s) => Key::Text(s.as_bytes()),
            Value::Date(d) => Key::Date(d),
            Value::Days(n) => Key::Days(n),
            Value::List(items) => Key::List(items.iter().map(Value::key).collect()),
            Value::Node(d, _) => match d.data.as_list() {
                Some(items) => Key::List(items.iter().map(|i| Value::Node(i, 0).key()).collect()),
                None => Key::Ptr(std::ptr::from_ref(d) as usize),
            },
            Value::One(d, _) => Key::List(Box::new([Value::Node(d, 0).key()])),
            Value::Obj(_, fields) => Key::Ptr(Arc::as_ptr(&fields) as usize),
            Value::Groups(g) => Key::Ptr(Arc::as_ptr(&g) as usize),
            Value::Chain(c) => Key::Num(PackedNum::new(Num::int(i64::try_from(c).unwrap_or(0)))),
        }
    }

    /// How the value reads inside a message.
    pub fn display(&self, out: &mut String) {
        match self.force() {
            Value::None | Value::Absent(..) => out.push('无'),
            Value::Bool(true) => out.push('是'),
            Value::Bool(false) => out.push('否'),
            Value::Num(n) => {
                let _ = write!(out, "{}", n.get());
            }
            Value::Text(t) => out.push_str(&t),
            Value::Str(s) => out.push_str(s),
            Value::Date(d) => {
                let _ = write!(out, "{d}");
            }
            Value::Days(n) => {
                let _ = write!(out, "{n}天");
            }
            v @ (Value::List(_) | Value::Node(..) | Value::One(..)) if is_list(&v) => {
                for (i, item) in v.items().iter().enumerate() {
                    if i > 0 {
                        out.push('、');
                    }
                    item.display(out);
                }
            }
            // A record or element shows its id or name where it has one.
            Value::Node(d, _) => match d.data.fields().and_then(|f| f.first()?.data.as_text()) {
                Some(t) => out.push_str(t),
                None => out.push('…'),
            },
            Value::Obj(_, fields) => {
                if let Some(first) = fields.first() {
                    first.display(out);
                }
            }
            Value::List(_) | Value::One(..) | Value::Groups(_) | Value::Chain(_) => out.push('…'),
        }
    }
}

fn is_list(v: &Value<'_>) -> bool {
    match v {
        Value::List(_) | Value::One(..) => true,
        Value::Node(d, _) => d.data.is_list(),
        _ => false,
    }
}

/// Equality as `==` sees it: scalars by value, record structures by
/// identity, lists element by element. Agrees with [`Value::key`] without
/// building keys (this runs in every comparison).
pub fn equal(a: &Value<'_>, b: &Value<'_>) -> bool {
    // Texts are equal when their bytes are: no need to read a short text
    // of a record back as a string first.
    if let (Some(x), Some(y)) = (a.text_bytes(), b.text_bytes()) {
        return x == y;
    }
    let (a, b) = (a.forced(), b.forced());
    let (a, b) = (a.as_ref(), b.as_ref());
    match (a, b) {
        (Value::None, Value::None) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Num(x), Value::Num(y)) => x == y,
        (Value::Date(x), Value::Date(y)) => x == y,
        (Value::Days(x), Value::Days(y)) => x == y,
        (Value::Node(x, _), Value::Node(y, _)) if std::ptr::eq(*x, *y) => true,
        (Value::Obj(_, x), Value::Obj(_, y)) => Arc::ptr_eq(x, y),
        _ if is_list(a) && is_list(b) => {
            a.len() == b.len()
                && a.items()
                    .iter()
                    .zip(b.items().iter())
                    .all(|(x, y)| equal(x, y))
        }
        _ => false,
    }
}

/// The elements of a list value, one at a time (see [`Value::iter`]).
pub enum ItemIter<'v, 'a> {
    /// A computed list.
    Slice(std::slice::Iter<'v, Value<'a>>),
    /// A list in a record.
    Data(std::slice::Iter<'a, Datum>, u32),
    /// Not a list.
    Empty,
}

impl<'a> Iterator for ItemIter<'_, 'a> {
    type Item = Value<'a>;

    fn next(&mut self) -> Option<Value<'a>> {
        match self {
            ItemIter::Slice(it) => it.next().cloned(),
            ItemIter::Data(it, rec) => it.next().map(|d| Value::Node(d, *rec)),
            ItemIter::Empty => None,
        }
    }
}

impl<'a> DoubleEndedIterator for ItemIter<'_, 'a> {
    fn next_back(&mut self) -> Option<Value<'a>> {
        match self {
            ItemIter::Slice(it) => it.next_back().cloned(),
            ItemIter::Data(it, rec) => it.next_back().map(|d| Value::Node(d, *rec)),
            ItemIter::Empty => None,
        }
    }
}

impl<'a> Value<'a> {
    /// The elements of a list value without collecting them (none and
    /// non-lists have none).
    pub fn iter(&self) -> ItemIter<'_, 'a> {
        match self {
            Value::List(items) => ItemIter::Slice(items.iter()),
            Value::Node(d, rec) => match d.data.as_list() {
                Some(items) => ItemIter::Data(items.iter(), *rec),
                None => ItemIter::Empty,
            },
            Value::One(d, rec) => ItemIter::Data(std::slice::from_ref(*d).iter(), *rec),
            _ => ItemIter::Empty,
        }
    }

    /// Whether some element of a list value satisfies `f`, without
    /// collecting the elements.
    pub fn any_item(&self, mut f: impl FnMut(&Value<'a>) -> bool) -> bool {
        match self {
            Value::List(items) => items.iter().any(f),
            Value::Node(d, rec) => d
                .data
                .as_list()
                .is_some_and(|items| items.iter().any(|i| f(&Value::Node(i, *rec)))),
            Value::One(d, rec) => f(&Value::Node(d, *rec)),
            _ => false,
        }
    }
}

/// Order as `<` sees it; `None` where the values do not order.
pub fn compare(a: &Value<'_>, b: &Value<'_>) -> Option<std::cmp::Ordering> {
    // Texts order as their bytes do, as in `equal`.
    if let (Some(x), Some(y)) = (a.text_bytes(), b.text_bytes()) {
        return Some(x.cmp(y));
    }
    match (a.forced().as_ref(), b.forced().as_ref()) {
        (Value::Num(x), Value::Num(y)) => Some(x.cmp(y)),
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
        (Value::Days(x), Value::Days(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Datum;

    /// A text of a record: short ones are held in the datum, long ones not.
    fn datum(text: &str) -> Datum {
        Datum::new(Data::text_of(text))
    }

    #[test]
    fn a_text_key_is_the_same_key_borrowed_or_made() {
        use std::hash::BuildHasher;
        let hasher = foldhash::fast::RandomState::default();
        let record = datum("东方测绘有限公司有限公司");
        let borrowed = Value::Node(&record, 0).key();
        let made = Value::text("东方测绘有限公司有限公司").key();
        assert!(matches!(borrowed, Key::Text(_)) && matches!(made, Key::Made(_)));
        assert_eq!(borrowed, made);
        assert_eq!(hasher.hash_one(&borrowed), hasher.hash_one(&made));
        assert_ne!(Value::text("东方").key(), made);
        // Kinds order as they are declared, texts by their bytes, lists
        // element by element: a group scope lists its groups in this order.
        let a = datum("a");
        let mut keys = vec![
            Key::List(Box::new([Value::text("b").key()])),
            Value::text("b").key(),
            Value::Date(Date(3)).key(),
            Key::None,
            Value::Node(&a, 0).key(),
            Key::List(Box::new([Value::text("a").key(), Key::None])),
            Value::num(Num::int(2)).key(),
        ];
        keys.sort();
        let expected = vec![
            Key::None,
            Value::num(Num::int(2)).key(),
            Value::text("a").key(),
            Value::text("b").key(),
            Value::Date(Date(3)).key(),
            Key::List(Box::new([Value::text("a").key(), Key::None])),
            Key::List(Box::new([Value::text("b").key()])),
        ];
        assert_eq!(keys, expected);
    }

    #[test]
    fn a_group_of_one_record_datum_holds_no_list_and_reads_as_one() {
        let (a, b) = (datum("甲"), datum("乙"));
        let mut group = Members::of(Value::Node(&a, 3));
        assert!(matches!(group, Members::One(d, 3) if std::ptr::eq(d, &a)));
        // Read twice, it is the same list, though not the same allocation.
        let (once, again) = (group.list(), group.list());
        assert!(equal(&Value::List(once.clone()), &Value::List(again)));
        assert!(matches!(once.as_slice(), [Value::Node(d, 3)] if std::ptr::eq(*d, &a)));
        // A second member makes a list, in order, shared from then on.
        group.push(Value::Node(&b, 4));
        let Members::Many(list) = &group else {
            unreachable!("two members are a list")
        };
        assert!(
            matches!(list.as_slice(), [Value::Node(x, 3), Value::Node(y, 4)]
            if std::ptr::eq(*x, &a) && std::ptr::eq(*y, &b))
        );
        assert!(Arc::ptr_eq(list, &group.list()));
        // A member that is no record datum starts a list at once.
        assert!(matches!(Members::of(Value::text("丙")), Members::Many(l) if l.len() == 1));
    }

    #[test]
    fn texts_of_records_compare_and_order_as_the_texts_do() {
        let texts = [
            "",
            "a",
            "b",
            "划拨",
            "签字",
            "东方测绘有限公司有限公司",
            "东方",
        ];
        let data: Vec<Datum> = texts.iter().map(|t| datum(t)).collect();
        for (t, d) in texts.iter().zip(&data) {
            for (u, e) in texts.iter().zip(&data) {
                let (node, other) = (Value::Node(d, 0), Value::Node(e, 0));
                let text = Value::text(u);
                assert_eq!(equal(&node, &other), t == u, "{t} = {u}");
                assert_eq!(equal(&node, &text), t == u, "{t} = {u}");
                assert_eq!(compare(&node, &other), Some(t.cmp(u)), "{t} < {u}");
                assert_eq!(compare(&node, &text), Some(t.cmp(u)), "{t} < {u}");
                assert_eq!(node.key() == other.key(), t == u);
            }
        }
        assert_eq!(compare(&Value::Node(&data[1], 0), &Value::Bool(true)), None);
    }
}
