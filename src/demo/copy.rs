//! Rows in PostgreSQL's `COPY ... FROM STDIN` text format, written into one buffer per batch.

use std::fmt::Display;
use std::io::Write;

#[derive(Default)]
pub struct CopyBuffer {
    bytes: Vec<u8>,
    rows: usize,
    fresh_row: bool,
}

impl CopyBuffer {
    #[cfg(test)]
    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn take(&mut self) -> Vec<u8> {
        self.rows = 0;
        std::mem::take(&mut self.bytes)
    }

    /// Starts a row; the fields follow with `text`, `value`, `null` and friends.
    pub fn row(&mut self) -> &mut Self {
        if self.rows > 0 || !self.bytes.is_empty() {
            self.bytes.push(b'\n');
        }
        self.rows += 1;
        self.fresh_row = true;
        self
    }

    fn separator(&mut self) {
        if self.fresh_row {
            self.fresh_row = false;
        } else {
            self.bytes.push(b'\t');
        }
    }

    pub fn null(&mut self) -> &mut Self {
        self.separator();
        self.bytes.extend_from_slice(b"\\N");
        self
    }

    /// A text field, escaped.
    pub fn text(&mut self, value: &str) -> &mut Self {
        self.separator();
        for byte in value.bytes() {
            match byte {
                b'\\' => self.bytes.extend_from_slice(b"\\\\"),
                b'\t' => self.bytes.extend_from_slice(b"\\t"),
                b'\n' => self.bytes.extend_from_slice(b"\\n"),
                b'\r' => self.bytes.extend_from_slice(b"\\r"),
                other => self.bytes.push(other),
            }
        }
        self
    }

    pub fn opt_text(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) => self.text(v),
            None => self.null(),
        }
    }

    /// A value whose `Display` needs no escaping (numbers, UUIDs, timestamps, booleans).
    pub fn value(&mut self, value: impl Display) -> &mut Self {
        self.separator();
        write!(self.bytes, "{value}").unwrap_or_default();
        self
    }

    pub fn opt_value(&mut self, value: Option<impl Display>) -> &mut Self {
        match value {
            Some(v) => self.value(v),
            None => self.null(),
        }
    }

    /// The batch as `COPY` reads it: rows ended by newlines.
    pub fn finish(&mut self) -> Vec<u8> {
        if !self.bytes.is_empty() {
            self.bytes.push(b'\n');
        }
        self.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_escaped_and_rows_separated() {
        let mut copy = CopyBuffer::default();
        copy.row().text("a\tb\\c\nd").null().value(42);
        copy.row().opt_text(None).opt_value(Some(true)).text("");
        assert_eq!(copy.rows(), 2);
        assert_eq!(
            String::from_utf8(copy.finish()).unwrap(),
            "a\\tb\\\\c\\nd\t\\N\t42\n\\N\ttrue\t\n"
        );
        assert_eq!(copy.rows(), 0);
        assert!(copy.finish().is_empty());
    }
}
