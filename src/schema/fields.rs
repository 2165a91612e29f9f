//! How the fields of a structure are held. A structure has a slot for
//! each field of its declaration (of every variant, for a tagged one),
//! but a record leaves many out: a step of a payment uses three of the
//! seven slots its variants declare. A field left out (or written empty)
//! is an absent datum, and absent data are all alike: a structure that
//! leaves fields out holds its written fields alone, and each field left
//! out reads as [`LEFT_OUT`]. Only a structure of more slots than a
//! presence mask holds keeps an absent datum in each slot left out.
//! Nothing outside this module sees the difference but the address of the
//! datum a field left out reads as, which is not the structure's.

use super::{Data, Datum, LEFT_OUT};

/// The most slots a structure may have to be held without its fields
/// left out (one bit each in a presence mask).
const SPARSE_SLOTS: usize = 16;

/// The fields of a structure, one per slot, as [`Data::fields`] reads them.
#[derive(Clone, Copy, Debug)]
pub struct Fields<'a> {
    variant: u32,
    count: u8,
    present: u16,
    slots: &'a [Datum],
}

impl<'a> Fields<'a> {
    /// The fields `slots` hold, as [`Data::structure`] left them.
    pub(super) fn new(variant: u32, count: u8, present: u16, slots: &'a [Datum]) -> Fields<'a> {
        Fields {
            variant,
            count,
            present,
            slots,
        }
    }

    /// The variant index (0 when untagged).
    pub fn variant(&self) -> u32 {
        self.variant
    }

    /// The number of slots.
    pub fn len(&self) -> usize {
        match self.count {
            0 => self.slots.len(),
            n => usize::from(n),
        }
    }

    /// Whether the structure has no slot.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The datum in `slot`: a field left out is an absent datum.
    pub fn get(&self, slot: usize) -> Option<&'a Datum> {
        if self.count == 0 {
            return self.slots.get(slot);
        }
        if slot >= usize::from(self.count) {
            return None;
        }
        let bit = 1u16 << slot;
        if self.present & bit == 0 {
            return Some(&LEFT_OUT);
        }
        let index = (self.present & (bit - 1)).count_ones() as usize;
        self.slots.get(index)
    }

    /// The datum in the first slot (a record's `id`).
    pub fn first(&self) -> Option<&'a Datum> {
        self.get(0)
    }

    /// The data of every slot, in slot order.
    pub fn iter(&self) -> impl Iterator<Item = &'a Datum> + use<'a> {
        let fields = *self;
        (0..self.len()).filter_map(move |slot| fields.get(slot))
    }
}

impl Data {
    /// A structure of variant `variant` with one datum per slot: the
    /// fields left out (absent data) are not held when its slots fit a
    /// presence mask.
    pub fn structure(variant: u32, slots: Vec<Datum>) -> Data {
        let left_out = |d: &Datum| matches!(d.data, Data::None);
        let left = slots.iter().filter(|d| left_out(d)).count();
        let count = match u8::try_from(slots.len()) {
            Ok(n) if left > 0 && slots.len() <= SPARSE_SLOTS => n,
            _ => return Data::held_structure(variant, 0, 0, slots),
        };
        let mut present = 0u16;
        let mut kept = Vec::with_capacity(slots.len() - left);
        for (slot, d) in slots.into_iter().enumerate() {
            if !left_out(&d) {
                present |= 1 << slot;
                kept.push(d);
            }
        }
        Data::held_structure(variant, count, present, kept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Datum {
        Datum::new(Data::text_of(s))
    }

    /// Every slot reads back as it was given, whether the fields left out
    /// are held or not, and the written ones are held once.
    #[test]
    fn slots_read_back_as_given() -> Result<(), String> {
        let absent = Datum::none();
        let cases: Vec<Vec<Datum>> = vec![
            vec![],
            vec![absent.clone()],
            vec![text("a"), absent.clone()],
            vec![
                absent.clone(),
                text("a"),
                absent.clone(),
                absent.clone(),
                text("b"),
            ],
            // As many slots as a presence mask holds, the last one written.
            (0..16)
                .map(|i| {
                    if i % 5 == 0 || i == 15 {
                        text("d")
                    } else {
                        absent.clone()
                    }
                })
                .collect(),
            // Past the slots a presence mask holds: one datum per slot.
            (0..20)
                .map(|i| {
                    if i % 3 == 0 {
                        text("c")
                    } else {
                        absent.clone()
                    }
                })
                .collect(),
        ];
        for slots in cases {
            let data = Data::structure(7, slots.clone());
            let Some(fields) = data.fields() else {
                return Err(format!("not a structure: {data:?}"));
            };
            assert_eq!(fields.variant(), 7);
            assert_eq!(fields.len(), slots.len());
            assert_eq!(fields.iter().cloned().collect::<Vec<_>>(), slots);
            for (i, d) in slots.iter().enumerate() {
                assert_eq!(fields.get(i), Some(d), "slot {i}");
            }
            assert_eq!(fields.get(slots.len()), None);
            let held = fields.slots;
            let left_out = slots.iter().filter(|d| **d == absent).count();
            let expected = if slots.len() <= SPARSE_SLOTS {
                slots.len() - left_out
            } else {
                slots.len()
            };
            assert_eq!(held.len(), expected, "{slots:?}");
        }
        Ok(())
    }
}
