//! Character index → byte offset for the parser's markers.

/// Character index → byte offset in O(n) overall: events arrive nearly in
/// order, so a cursor walks forward from the last answer, noting a
/// checkpoint every [`STEP`] characters as it goes; a jump backwards
/// restarts from the checkpoint before it. The text is walked once, by the
/// cursor, and not again to build a table up front.
pub(super) struct Offsets<'a> {
    text: &'a str,
    /// Pure ASCII text needs no table.
    ascii: bool,
    /// Byte offset of character `k * STEP`, for every such character the
    /// cursor has reached.
    checkpoints: Vec<usize>,
    /// The last answer: (character index, byte offset).
    cursor: (usize, usize),
}

const STEP: usize = 64;

impl<'a> Offsets<'a> {
    pub(super) fn new(text: &'a str) -> Offsets<'a> {
        Offsets {
            text,
            ascii: text.is_ascii(),
            checkpoints: vec![0],
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
            // Jump to the last checkpoint at or before the target, when
            // the cursor has been that far.
            let k = (char_index / STEP).min(self.checkpoints.len() - 1);
            if let Some(&base) = self.checkpoints.get(k)
                && (char_index < at_char || k * STEP > at_char)
            {
                (at_char, at_byte) = (k * STEP, base);
            }
        }
        let bytes = self.text.as_bytes();
        while at_char < char_index {
            // Up to the target or the next checkpoint, whichever is first.
            let end = char_index.min((at_char / STEP + 1) * STEP);
            let run = end - at_char;
            // Keys, indentation and punctuation are ASCII: as many
            // characters as bytes, passed at once when the whole run is.
            if bytes
                .get(at_byte..at_byte + run)
                .is_some_and(<[u8]>::is_ascii)
            {
                (at_char, at_byte) = (end, at_byte + run);
            } else {
                // The text is valid UTF-8: a character's width is read off
                // its first byte, with no decoding.
                while at_char < end {
                    let Some(&lead) = bytes.get(at_byte) else {
                        return len;
                    };
                    at_char += 1;
                    at_byte += match lead {
                        0..0xC0 => 1,
                        0xC0..0xE0 => 2,
                        0xE0..0xF0 => 3,
                        _ => 4,
                    };
                }
            }
            if at_char % STEP == 0 && at_char / STEP == self.checkpoints.len() {
                self.checkpoints.push(at_byte);
            }
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
        // Jumps from a fresh start, before the cursor has been that far.
        let mut fresh = Offsets::new(&text);
        for ci in [250, 3, 299, 64, 200, 0, 128, 130, 5] {
            assert_eq!(fresh.byte(ci), expected.get(ci).copied().unwrap_or(0));
        }
        assert_eq!(offsets.byte(expected.len()), text.len());
        assert_eq!(offsets.byte(expected.len() + 1000), text.len());
    }

    #[test]
    fn offsets_agree_with_char_indices_on_mixed_text_in_any_order() {
        // Runs of every width, of lengths that end words and checkpoints
        // at every kind of boundary.
        let pieces = ["a", "é", "名", "𠀀", "ab", "名名名", "abcdefghij", "\n"];
        let mut text = String::new();
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        while text.len() < 20_000 {
            let piece = pieces.get(next(pieces.len())).copied().unwrap_or("a");
            text.push_str(&piece.repeat(1 + next(12)));
        }
        let expected: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        let mut forward = Offsets::new(&text);
        let (mut ci, mut last) = (0, 0);
        while ci < expected.len() {
            assert_eq!(forward.byte(ci), expected[ci], "char {ci}");
            last = ci;
            ci += 1 + next(40);
        }
        // Every checkpoint was noted on the way: a jump back never walks
        // more than one step.
        assert_eq!(forward.checkpoints.len(), last / STEP + 1);
        let mut jumping = Offsets::new(&text);
        for _ in 0..2_000 {
            let ci = next(expected.len());
            assert_eq!(jumping.byte(ci), expected[ci], "char {ci}");
        }
    }
}
