//! The CSV dialect of every export, the service's and the console's: RFC
//! 4180 (a field with a comma, quote or line break is quoted, its quotes
//! doubled; lines end in CRLF), UTF-8 after a byte-order mark so that
//! spreadsheet applications read Chinese text correctly.

/// What a CSV file starts with.
pub const BOM: &str = "\u{feff}";

/// Appends one line.
pub fn push_line<S: AsRef<str>>(out: &mut String, fields: impl IntoIterator<Item = S>) {
    for (i, field) in fields.into_iter().enumerate() {
        let field = field.as_ref();
        if i > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::push_line;

    #[test]
    fn fields_with_commas_quotes_or_line_breaks_are_quoted() {
        let mut out = String::new();
        push_line(
            &mut out,
            ["plain", "a,b", "say \"hi\"", "two\nlines", "中文"],
        );
        assert_eq!(
            out,
            "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",中文\r\n"
        );
    }
}
