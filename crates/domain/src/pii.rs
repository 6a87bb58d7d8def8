//! Masking of personal data. Names, phones and national IDs leave the service
//! masked unless an operator reveals them with a reason.

vocabulary! {
    /// A piece of personal data that is masked unless revealed with a reason.
    pub enum PiiField {
        Name,
        Phone,
        NationalId,
    }
}

/// `张三丰` → `张*丰`, `张三` → `张*`: the first and (for three or more
/// characters) the last character stay.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".to_owned(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// `13812341234` → `138****1234`.
pub fn mask_phone(phone: &str) -> String {
    mask_middle(phone, 3, 4)
}

/// `110101199003071234` → `110***********1234`.
pub fn mask_national_id(id: &str) -> String {
    mask_middle(id, 3, 4)
}

/// The check character of an 18-character resident ID (GB 11643-1999) for
/// its first 17 digits, or `None` if they are not 17 digits.
pub fn national_id_check(first17: &str) -> Option<char> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += c.to_digit(10)? * w;
    }
    Some(b"10X98765432"[(sum % 11) as usize] as char)
}

fn mask_middle(text: &str, keep_start: usize, keep_end: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= keep_start + keep_end {
        return "*".repeat(chars.len());
    }
    let hidden = chars.len() - keep_start - keep_end;
    let start: String = chars[..keep_start].iter().collect();
    let end: String = chars[chars.len() - keep_end..].iter().collect();
    format!("{start}{}{end}", "*".repeat(hidden))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_id_check_characters_follow_gb_11643() {
        // The standard's own example, and one whose check character is X.
        assert_eq!(national_id_check("11010519491231002"), Some('X'));
        assert_eq!(national_id_check("44052418800101001"), Some('4'));
        assert_eq!(national_id_check("4405241880010100"), None);
        assert_eq!(national_id_check("4405241880010100a"), None);
    }

    #[test]
    fn masks_like_the_product_brief() {
        assert_eq!(mask_name("张三丰"), "张*丰");
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳小明"), "欧**明");
        assert_eq!(mask_phone("13812341234"), "138****1234");
        assert_eq!(mask_national_id("110101199003071234"), "110***********1234");
        assert_eq!(mask_phone("1234"), "****");
    }
}
