//! Where a datum is, in eight bytes. A large run holds tens of data for
//! each of a million records, so a datum keeps only where its value
//! starts and, packed beside it, where it ends and where its key is. The
//! file is its record's; the rare place too long to pack is kept in its
//! record's list of long places.

use crate::source::{FileId, Span};

/// A datum's end and key, packed in one of three forms (the top two bits):
/// - no key: the value's length, up to 2³⁰ − 1 bytes;
/// - a key: the value's length (12 bits), how far before the value the
///   key starts (9 bits) and the key's length (9 bits);
/// - an index into its record's [`LongPlace`]s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extent(u32);

const LONG: u32 = 1 << 31;
const KEYED: u32 = 1 << 30;
const LEN_BITS: u32 = 12;
const BACK_BITS: u32 = 9;
const KEY_BITS: u32 = 9;

/// Where a datum ends and its key is, when [`Extent`] cannot pack them:
/// a long value with a key, or a key far from its value (a comment, an
/// anchor or a tag between them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LongPlace {
    end: u32,
    key: Option<(u32, u32)>,
}

/// What the places of a record's data are read against: the record's file
/// and its long places.
#[derive(Clone, Copy, Debug)]
pub struct InFile<'r> {
    /// The record's file.
    pub file: FileId,
    /// The places its data could not pack.
    pub long: &'r [LongPlace],
}

impl Extent {
    /// The extent of a value at `value` with its key at `key`; a place
    /// that does not pack is added to `long`.
    pub fn new(value: Span, key: Option<Span>, long: &mut Vec<LongPlace>) -> Extent {
        let len = value.end.saturating_sub(value.start);
        let key = key.filter(|k| k.end > k.start);
        match key {
            None if len < KEYED => return Extent(len),
            Some(k) => {
                let key_len = k.end - k.start;
                if let Some(back) = value.start.checked_sub(k.start)
                    && len < 1 << LEN_BITS
                    && back < 1 << BACK_BITS
                    && key_len < 1 << KEY_BITS
                {
                    return Extent(
                        KEYED | len | back << LEN_BITS | key_len << (LEN_BITS + BACK_BITS),
                    );
                }
            }
            None => {}
        }
        match u32::try_from(long.len()) {
            Ok(i) if i < LONG => {
                long.push(LongPlace {
                    end: value.end,
                    key: key.map(|k| (k.start, k.end)),
                });
                Extent(LONG | i)
            }
            // More long places than a file has bytes: the value is cut
            // and its key not kept.
            _ => Extent(len.min(KEYED - 1)),
        }
    }

    /// Where the value that starts at `start` ends.
    fn end(self, start: u32, long: &[LongPlace]) -> u32 {
        let len = if self.0 & LONG != 0 {
            return long.get((self.0 & !LONG) as usize).map_or(start, |l| l.end);
        } else if self.0 & KEYED != 0 {
            self.0 & ((1 << LEN_BITS) - 1)
        } else {
            self.0
        };
        start.saturating_add(len)
    }

    /// Where the key of the value that starts at `start` is.
    fn key(self, start: u32, long: &[LongPlace]) -> Option<(u32, u32)> {
        if self.0 & LONG != 0 {
            return long.get((self.0 & !LONG) as usize).and_then(|l| l.key);
        }
        if self.0 & KEYED == 0 {
            return None;
        }
        let back = (self.0 >> LEN_BITS) & ((1 << BACK_BITS) - 1);
        let len = (self.0 >> (LEN_BITS + BACK_BITS)) & ((1 << KEY_BITS) - 1);
        let at = start.checked_sub(back)?;
        Some((at, at.saturating_add(len)))
    }
}

/// A datum's place: where its value starts and its [`Extent`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    start: u32,
    extent: Extent,
}

impl Place {
    /// The place of a value at `value` with its key at `key` (none for a
    /// list element, a field left out, a value outside a record).
    pub fn new(value: Span, key: Option<Span>, long: &mut Vec<LongPlace>) -> Place {
        Place {
            start: value.start,
            extent: Extent::new(value, key, long),
        }
    }

    /// Where the value starts in its record's file.
    pub fn start(self) -> u32 {
        self.start
    }

    /// The value's span.
    pub fn span(self, at: InFile<'_>) -> Span {
        Span {
            file: at.file,
            start: self.start,
            end: self.extent.end(self.start, at.long),
        }
    }

    /// The span of its key, for a field written in the file.
    pub fn key(self, at: InFile<'_>) -> Option<Span> {
        let (start, end) = self.extent.key(self.start, at.long)?;
        Some(Span {
            file: at.file,
            start,
            end,
        })
    }

    /// The same value, in `file`, with its key at `key`.
    pub fn with_key(self, key: Span, file: FileId, long: &mut Vec<LongPlace>) -> Place {
        let value = self.span(InFile { file, long });
        Place::new(value, Some(key), long)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_place_reads_back_whole_packed_or_long() {
        let file = FileId(3);
        let span = |start: u32, end: u32| Span { file, start, end };
        let value = span(100_000, 100_010);
        // (value, key, packed)
        let cases = [
            (value, None, true),
            (span(7, 7 + (1 << 30) - 1), None, true),
            (span(7, 7 + (1 << 30)), None, false),
            (value, Some(span(99_990, 99_996)), true),
            (value, Some(span(100_000 - 511, 100_000 - 500)), true),
            (value, Some(span(100_000 - 512, 100_000 - 500)), false),
            (value, Some(span(99_000, 99_000 + 511)), false),
            (value, Some(span(99_600, 99_600 + 400)), true),
            (span(50, 50 + 4095), Some(span(40, 48)), true),
            (span(50, 50 + 4096), Some(span(40, 48)), false),
            // After its value: not met in files, and kept all the same.
            (value, Some(span(100_020, 100_025)), false),
            // An empty key is no key.
            (value, Some(span(99_990, 99_990)), true),
        ];
        let mut long = Vec::new();
        for (v, key, packed) in cases {
            let before = long.len();
            let place = Place::new(v, key, &mut long);
            let at = InFile { file, long: &long };
            assert_eq!(place.span(at), v, "{v:?} {key:?}");
            let key = key.filter(|k| k.end > k.start);
            assert_eq!(place.key(at), key, "{v:?} {key:?}");
            assert_eq!(long.len() == before, packed, "{v:?} {key:?}");
        }
    }

    /// Lengths and distances near the limits of each packed field.
    fn around_limits() -> impl proptest::strategy::Strategy<Value = u32> {
        use proptest::prelude::*;
        prop_oneof![
            0u32..600,
            (1u32 << 12) - 3..(1 << 12) + 3,
            (1u32 << 9) - 3..(1 << 9) + 3,
            (1u32 << 30) - 3..(1 << 30) + 3,
            any::<u32>(),
        ]
    }

    proptest::proptest! {
        // Failures are reported with their input; no files are written
        // next to the sources.
        #![proptest_config(proptest::test_runner::Config {
            failure_persistence: None,
            ..proptest::test_runner::Config::default()
        })]

        /// Any value and key a file can hold read back as they were
        /// given, whether packed or kept among the long places.
        #[test]
        fn every_place_reads_back(
            start in around_limits(),
            len in around_limits(),
            key in proptest::option::of((around_limits(), around_limits())),
        ) {
            let file = FileId(1);
            let end = start.saturating_add(len);
            let value = Span { file, start, end };
            // (how far before the value the key starts, its length)
            let key = key.and_then(|(back, len)| {
                let at = start.checked_sub(back)?;
                Some(Span { file, start: at, end: at.saturating_add(len) })
            });
            let mut long = Vec::new();
            let place = Place::new(value, key, &mut long);
            let at = InFile { file, long: &long };
            proptest::prop_assert_eq!(place.span(at), value);
            proptest::prop_assert_eq!(place.key(at), key.filter(|k| k.end > k.start));
        }
    }

    #[test]
    fn a_key_given_later_keeps_the_value() {
        let file = FileId(0);
        let mut long = Vec::new();
        let value = Span {
            file,
            start: 1000,
            end: 9000,
        };
        let key = Span {
            file,
            start: 990,
            end: 996,
        };
        // Too long to pack with a key: the value's end is read from the
        // long places, and the key added there.
        let place = Place::new(value, None, &mut long);
        let keyed = place.with_key(key, file, &mut long);
        let at = InFile { file, long: &long };
        assert_eq!((keyed.span(at), keyed.key(at)), (value, Some(key)));
    }

    #[test]
    fn a_datum_is_three_words() {
        assert_eq!(std::mem::size_of::<Place>(), 8);
        assert_eq!(std::mem::size_of::<super::super::Datum>(), 24);
    }
}
