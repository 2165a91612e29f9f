//! Typed record data in two words. A large run holds tens of data for each
//! of a million records, so every variant fits in sixteen bytes: short
//! texts are held in place, long ones behind one thin shared pointer, and
//! lists and structures behind a pointer to an array of their exact
//! length, the length told by the variant (one variant per length up to
//! twelve) rather than by a second word beside the pointer.

use std::borrow::Borrow;
use std::collections::HashSet;
use std::sync::Arc;

use super::{Datum, Fields};
use crate::date::Date;
use crate::num::Num;

/// Text held apart from its datum and shared: the records of one file
/// hold one copy of each long text they repeat (a payee, a reason). One
/// word, where a shared `str` would take two.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SharedText(Arc<Box<str>>);

impl SharedText {
    fn new(text: &str) -> SharedText {
        SharedText(Arc::new(text.into()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether two texts are the same copy.
    pub fn ptr_eq(a: &SharedText, b: &SharedText) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }
}

impl Borrow<str> for SharedText {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Debug for SharedText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

/// Text that fits in a datum. Most texts of records are short (names,
/// ids, enum values, step names): held in place, reading one allocates
/// nothing and comparing one reads no other memory.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Short {
    len: u8,
    bytes: [u8; SHORT_TEXT],
}

/// The longest text, in bytes, held in place: what leaves [`Data`] the
/// size of its pointer and one more word. Four Chinese characters.
const SHORT_TEXT: usize = 14;

impl Short {
    /// The text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }

    /// The text's bytes, which compare as the text does without being
    /// checked to be UTF-8 again.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or_default()
    }
}

impl std::fmt::Debug for Short {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

/// The texts held apart from their data while one file is read, so that
/// a text the file repeats is held once.
#[derive(Debug, Default)]
pub struct Texts {
    held: HashSet<SharedText, foldhash::fast::RandomState>,
}

impl Texts {
    /// Text data, sharing a copy of the text already held.
    pub fn data(&mut self, text: &str) -> Data {
        if !Data::is_long(text) {
            return Data::text_of(text);
        }
        if let Some(held) = self.held.get(text) {
            return Data::Text(held.clone());
        }
        let held = SharedText::new(text);
        self.held.insert(held.clone());
        Data::Text(held)
    }
}

/// Declares [`Data`] with a variant per length of list and of structure,
/// and the functions that build and read them: `(list variant, structure
/// variant, length)`.
macro_rules! data_in_classes {
    ($(($list:ident, $structure:ident, $n:literal)),* $(,)?) => {
        /// Typed record data. Build lists with [`Data::list`] and
        /// structures with [`Data::structure`]; read them with
        /// [`Data::as_list`] and [`Data::fields`]. Their variants, one per
        /// length, are how they are held, not what they mean.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Data {
            /// Absent or null.
            None,
            /// `true` / `false`.
            Bool(bool),
            /// A number or an amount, `n / d`, when it fits in these.
            /// Build number data with [`Data::num_of`] and read it with
            /// [`Data::as_num`].
            Num {
                /// The numerator.
                n: i64,
                /// The denominator.
                d: u32,
            },
            /// A number or an amount that does not fit in place.
            #[doc(hidden)]
            BigNum(Box<Num>),
            /// Text, an enum value, a tag or an id, longer than [`Short`]
            /// holds. Build text data with [`Data::text_of`] or
            /// [`Texts::data`], which pick the variant.
            Text(SharedText),
            /// Short text, held in the datum itself.
            Short(Short),
            /// A date.
            Date(Date),
            /// A number of days.
            Days(i64),
            /// An empty list.
            #[doc(hidden)]
            EmptyList,
            $(
                #[doc(hidden)]
                $list(Box<[Datum; $n]>),
            )*
            /// A list longer than a class holds.
            #[doc(hidden)]
            LongList(Box<Box<[Datum]>>),
            $(
                #[doc(hidden)]
                $structure {
                    variant: u32,
                    count: u8,
                    present: u16,
                    slots: Box<[Datum; $n]>,
                },
            )*
            /// A structure holding no data, or more than a class holds.
            #[doc(hidden)]
            LongStruct {
                variant: u32,
                count: u8,
                present: u16,
                slots: Box<Box<[Datum]>>,
            },
        }

        impl Data {
            /// A list of `items`.
            pub fn list(items: Vec<Datum>) -> Data {
                match items.len() {
                    0 => Data::EmptyList,
                    $(
                        $n => match Box::<[Datum; $n]>::try_from(items) {
                            Ok(held) => Data::$list(held),
                            Err(items) => Data::LongList(Box::new(items.into_boxed_slice())),
                        },
                    )*
                    _ => Data::LongList(Box::new(items.into_boxed_slice())),
                }
            }

            /// The items of list data.
            #[inline]
            pub fn as_list(&self) -> Option<&[Datum]> {
                match self {
                    Data::EmptyList => Some(&[]),
                    $(Data::$list(held) => Some(&held[..]),)*
                    Data::LongList(held) => Some(held),
                    _ => None,
                }
            }

            /// Structure data holding `slots` as [`Fields`] reads them.
            pub(super) fn held_structure(
                variant: u32,
                count: u8,
                present: u16,
                slots: Vec<Datum>,
            ) -> Data {
                let long = |slots: Vec<Datum>| Data::LongStruct {
                    variant,
                    count,
                    present,
                    slots: Box::new(slots.into_boxed_slice()),
                };
                match slots.len() {
                    $(
                        $n => match Box::<[Datum; $n]>::try_from(slots) {
                            Ok(slots) => Data::$structure { variant, count, present, slots },
                            Err(slots) => long(slots),
                        },
                    )*
                    _ => long(slots),
                }
            }

            /// The fields of a structure.
            #[inline]
            pub fn fields(&self) -> Option<Fields<'_>> {
                match self {
                    $(
                        Data::$structure { variant, count, present, slots } => {
                            Some(Fields::new(*variant, *count, *present, &slots[..]))
                        }
                    )*
                    Data::LongStruct { variant, count, present, slots } => {
                        Some(Fields::new(*variant, *count, *present, slots))
                    }
                    _ => None,
                }
            }
        }
    };
}

/// The longest list, and the most data a structure holds, with a variant
/// of their own (the last class below): nearly all of them. Longer ones
/// cost one more allocation.
#[cfg(test)]
const HELD_IN_CLASS: usize = 12;

data_in_classes!(
    (List1, Struct1, 1),
    (List2, Struct2, 2),
    (List3, Struct3, 3),
    (List4, Struct4, 4),
    (List5, Struct5, 5),
    (List6, Struct6, 6),
    (List7, Struct7, 7),
    (List8, Struct8, 8),
    (List9, Struct9, 9),
    (List10, Struct10, 10),
    (List11, Struct11, 11),
    (List12, Struct12, 12),
);

// Every datum is this alone: most of the memory of a large run.
const _: () = assert!(std::mem::size_of::<Data>() <= 16);

impl Data {
    /// Text data: in place when short, so that equal texts are always the
    /// same variant.
    pub fn text_of(text: &str) -> Data {
        match u8::try_from(text.len()) {
            Ok(len) if !Data::is_long(text) => {
                let mut bytes = [0; SHORT_TEXT];
                if let Some(to) = bytes.get_mut(..text.len()) {
                    to.copy_from_slice(text.as_bytes());
                }
                Data::Short(Short { len, bytes })
            }
            _ => Data::Text(SharedText::new(text)),
        }
    }

    /// Whether text data is held apart from the datum.
    fn is_long(text: &str) -> bool {
        text.len() > SHORT_TEXT
    }

    /// Number data: in place when it fits, so that equal numbers are
    /// always the same variant.
    pub fn num_of(n: Num) -> Data {
        match n.small() {
            Some((n, d)) => Data::Num { n, d },
            None => Data::BigNum(Box::new(n)),
        }
    }

    /// The number of number data.
    pub fn as_num(&self) -> Option<Num> {
        match self {
            // Built by `num_of`, already reduced: `ratio` divides nothing
            // for a whole number, and refuses a denominator of zero.
            Data::Num { n, d } => Num::ratio(i128::from(*n), i128::from(*d)),
            Data::BigNum(n) => Some(**n),
            _ => None,
        }
    }

    /// The bytes of text data: they compare, order and hash as the text
    /// does, and reading them checks nothing.
    pub fn text_bytes(&self) -> Option<&[u8]> {
        match self {
            Data::Text(t) => Some(t.as_str().as_bytes()),
            Data::Short(s) => Some(s.as_bytes()),
            _ => None,
        }
    }

    /// The text of text data.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Data::Text(t) => Some(t.as_str()),
            Data::Short(s) => Some(s.as_str()),
            _ => None,
        }
    }

    /// Whether this is list data.
    pub fn is_list(&self) -> bool {
        self.as_list().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_held_in_place_up_to_its_limit_and_reads_back_whole() {
        let texts = [
            "",
            "划拨",
            "CZ000080-001",
            "a".repeat(SHORT_TEXT).as_str(),
            "a".repeat(SHORT_TEXT + 1).as_str(),
            // 13 bytes of ASCII and one of a 3-byte character: 16 bytes.
            &format!("{}汉", "a".repeat(SHORT_TEXT - 1)),
            "东方测绘有限公司",
            "防汛抢险第1批物资及抢修费用",
        ]
        .map(str::to_string);
        for text in &texts {
            let data = Data::text_of(text);
            assert_eq!(data.as_text(), Some(text.as_str()));
            let short = matches!(data, Data::Short(_));
            assert_eq!(short, text.len() <= SHORT_TEXT, "{text}");
            // Equal texts are the same variant, so data compare by text.
            assert_eq!(data, Data::text_of(&text.clone()));
        }
        assert_ne!(Data::text_of("划拨"), Data::text_of("签字"));
        assert_eq!(Data::Bool(true).as_text(), None);
    }

    #[test]
    fn a_long_text_read_again_is_held_once() {
        let mut texts = Texts::default();
        let payee = "东方测绘有限公司有限公司";
        // The same text from elsewhere: found by what it says.
        let copy = String::from(payee);
        let (Data::Text(a), Data::Text(b), Data::Text(other)) = (
            texts.data(payee),
            texts.data(&copy),
            texts.data("宏图广告传媒有限公司"),
        ) else {
            unreachable!("texts past the short limit are held apart")
        };
        assert!(SharedText::ptr_eq(&a, &b));
        assert!(!SharedText::ptr_eq(&a, &other));
        assert_eq!(
            (a.as_str(), other.as_str()),
            (payee, "宏图广告传媒有限公司")
        );
        // A short text stays in its datum, as `text_of` makes it.
        assert_eq!(texts.data("划拨"), Data::text_of("划拨"));
        assert!(matches!(texts.data("划拨"), Data::Short(_)));
    }

    #[test]
    fn numbers_in_place_or_boxed_read_back_and_compare_by_value() {
        let big = Num::ratio(i128::from(i64::MAX) * 4, 1).unwrap_or(Num::ZERO);
        for n in [Num::ZERO, Num::int(-5), Num::int(1_200_000), big] {
            assert_eq!(Data::num_of(n).as_num(), Some(n));
            assert_eq!(Data::num_of(n), Data::num_of(n));
        }
        assert!(matches!(Data::num_of(Num::int(3)), Data::Num { .. }));
        assert!(matches!(Data::num_of(big), Data::BigNum(_)));
    }

    /// Lists of every length read back as given, in a variant of their
    /// length up to the classes' limit and in the long form past it.
    #[test]
    fn lists_of_every_length_read_back() {
        for len in 0..=HELD_IN_CLASS + 2 {
            let items: Vec<Datum> = (0..len)
                .map(|i| Datum::new(Data::num_of(Num::int(i as i64))))
                .collect();
            let data = Data::list(items.clone());
            assert_eq!(data.as_list(), Some(&items[..]), "{len}");
            assert!(data.is_list());
            assert_eq!(matches!(data, Data::LongList(_)), len > HELD_IN_CLASS);
            assert_eq!(data, Data::list(items));
        }
        assert_eq!(Data::None.as_list(), None);
    }
}
