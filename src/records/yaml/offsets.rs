//! Character index → byte offset for the parser's markers.

/// Character index → byte offset in O(n) overall: events arrive nearly in
/// order, so a cursor walks forward from the last answer; a jump backwards
/// restarts from a checkpoint kept every [`STEP`] characters.
pub(super) struct Offsets<'a> {
    text: &'a str,
    /// Pure ASCII text needs no table.
    ascii: bool,
    checkpoints: Vec<usize>,
    /// The last answer: (character index, byte offset).
    cursor: (usize, usize),
}

const STEP: usize = 64;

impl<'a> Offsets<'a> {
    pub(super) fn new(text: &'a str) -> Offsets<'a> {
        let ascii = text.is_ascii();
        let checkpoints = if ascii {
            Vec::new()
        } else {
            text.char_indices().step_by(STEP).map(|(b, _)| b).collect()
        };
        Offsets {
            text,
            ascii,
            checkpoints,
            cursor: (0, 0),
        }
    }

    pub(super) fn byte(&mut self, char_index: usize) -> usize {
        let len = self.text.len();
        if self.ascii {
            return char_index.min(len);
        }
        let (mut at_char, mut at_byte) = self.cursor;
        if char_index < at_char || char_index - at_char > STEP {
            let Some(&base) = self.checkpoints.get(char_index / STEP) else {
                return len;
            };
            (at_char, at_byte) = (char_index / STEP * STEP, base);
        }
        let mut chars = self.text.get(at_byte..).unwrap_or("").chars();
        while at_char < char_index {
            let Some(c) = chars.next() else {
                return len;
            };
            at_char += 1;
            at_byte += c.len_utf8();
        }
        self.cursor = (at_char, at_byte);
        at_byte
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_convert_characters_to_bytes() {
        let text: String = "名a𠀀".repeat(100);
        let mut offsets = Offsets::new(&text);
        let expected: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        for (ci, b) in expected.iter().enumerate() {
            assert_eq!(offsets.byte(ci), *b);
        }
        // Out of order, as some events' markers are.
        for ci in [250, 3, 299, 64, 63, 65, 0, 128, 127] {
            assert_eq!(offsets.byte(ci), expected.get(ci).copied().unwrap_or(0));
        }
        assert_eq!(offsets.byte(expected.len()), text.len());
        assert_eq!(offsets.byte(expected.len() + 1000), text.len());
    }
}
