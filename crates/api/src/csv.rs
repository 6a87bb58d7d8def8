//! The CSV dialect of every export, the service's and the console's: RFC
//! 4180 (a field with a comma, quote or line break is quoted, its quotes
//! doubled; lines end in CRLF), UTF-8 after a byte-order mark so that
//! spreadsheet applications read Chinese text correctly.
//!
//! Free text in an export comes from outside (a merchant's name from the
//! payment channel, a customer's statement), and Excel, WPS and LibreOffice
//! run a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
//! return as a formula. Such a cell is written behind a `'`, which the
//! spreadsheet shows as text; a plain number such as `-12.50` stays a number.

/// What a CSV file starts with.
pub const BOM: &str = "\u{feff}";

/// Appends one line.
pub fn push_line<S: AsRef<str>>(out: &mut String, fields: impl IntoIterator<Item = S>) {
    for (i, field) in fields.into_iter().enumerate() {
        let field = field.as_ref();
        if i > 0 {
            out.push(',');
        }
        let inert = if would_run(field) {
            format!("'{field}")
        } else {
            field.to_owned()
        };
        if inert.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&inert.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&inert);
        }
    }
    out.push_str("\r\n");
}

/// Whether a spreadsheet would take `field` for a formula.
fn would_run(field: &str) -> bool {
    field.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_plain_number(field)
}

/// `-12.50`, `+3`: a sign, digits and at most one decimal point.
fn is_plain_number(field: &str) -> bool {
    let digits = field.strip_prefix(['-', '+']).unwrap_or(field);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    !whole.is_empty()
        && !fraction.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
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

    #[test]
    fn formulas_are_written_as_text_and_numbers_stay_numbers() {
        let mut out = String::new();
        push_line(
            &mut out,
            [
                "=1+1",
                "+SUM(A1)",
                "-2+3",
                "@cmd",
                "\tx",
                "\rx",
                "=HYPERLINK(\"http://x\",\"y\")",
                "-12.50",
                "+3",
                "0.5",
                "-",
                "-.5",
                "a=b",
            ],
        );
        assert_eq!(
            out,
            "'=1+1,'+SUM(A1),'-2+3,'@cmd,'\tx,\"'\rx\",\
             \"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",-12.50,+3,0.5,'-,'-.5,a=b\r\n"
        );
    }
}
