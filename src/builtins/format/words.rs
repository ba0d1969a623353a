//! `~R` without a radix (CLHS 22.3.2.1): English cardinals and ordinals,
//! Roman numerals, worded as SBCL does.

use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive, Zero};

const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];
const SCALES: [&str; 22] = [
    "",
    "thousand",
    "million",
    "billion",
    "trillion",
    "quadrillion",
    "quintillion",
    "sextillion",
    "septillion",
    "octillion",
    "nonillion",
    "decillion",
    "undecillion",
    "duodecillion",
    "tredecillion",
    "quattuordecillion",
    "quindecillion",
    "sexdecillion",
    "septendecillion",
    "octodecillion",
    "novemdecillion",
    "vigintillion",
];

/// 1..999 in words.
fn below_thousand(n: u32) -> String {
    let mut parts = Vec::new();
    let (h, r) = (n / 100, n % 100);
    if h > 0 {
        parts.push(format!("{} hundred", ONES[h as usize]));
    }
    if r > 0 {
        if r < 20 {
            parts.push(ONES[r as usize].to_string());
        } else if r % 10 == 0 {
            parts.push(TENS[(r / 10) as usize].to_string());
        } else {
            parts.push(format!(
                "{}-{}",
                TENS[(r / 10) as usize],
                ONES[(r % 10) as usize]
            ));
        }
    }
    parts.join(" ")
}

/// `~R`: "one thousand two hundred thirty-four"; `None` when the number
/// is too large to have a name.
pub fn cardinal(n: &BigInt) -> Option<String> {
    if n.is_zero() {
        return Some("zero".into());
    }
    let mut groups = Vec::new();
    let mut m = n.abs();
    let thousand = BigInt::from(1000);
    while !m.is_zero() {
        groups.push((&m % &thousand).to_u32().unwrap_or(0));
        m /= &thousand;
    }
    if groups.len() > SCALES.len() {
        return None;
    }
    let mut parts = Vec::new();
    for (i, g) in groups.iter().enumerate().rev() {
        if *g == 0 {
            continue;
        }
        let mut p = below_thousand(*g);
        if i > 0 {
            p.push(' ');
            p.push_str(SCALES[i]);
        }
        parts.push(p);
    }
    let words = parts.join(" ");
    Some(if n.is_negative() {
        format!("negative {words}")
    } else {
        words
    })
}

/// `~:R`: "one thousand two hundred thirty-fourth".
pub fn ordinal(n: &BigInt) -> Option<String> {
    let words = cardinal(n)?;
    let cut = words.rfind([' ', '-']).map(|i| i + 1).unwrap_or(0);
    let (head, last) = words.split_at(cut);
    let last = match last {
        "one" => "first".to_string(),
        "two" => "second".to_string(),
        "three" => "third".to_string(),
        "five" => "fifth".to_string(),
        "eight" => "eighth".to_string(),
        "nine" => "ninth".to_string(),
        "twelve" => "twelfth".to_string(),
        w if w.ends_with('y') => format!("{}ieth", &w[..w.len() - 1]),
        w => format!("{w}th"),
    };
    Some(format!("{head}{last}"))
}

/// `~@R` (and `~:@R`, old style without subtractive pairs): 1..3999.
pub fn roman(n: &BigInt, old: bool) -> Option<String> {
    // Old Roman numerals (no subtraction) reach MMMMDCCCCLXXXXVIIII; the
    // new ones stop at 3999 (SBCL's limits).
    let limit = if old { 5000 } else { 4000 };
    let mut n = n.to_i64().filter(|n| (1..limit).contains(n))?;
    let table: &[(i64, &str)] = if old {
        &[
            (1000, "M"),
            (500, "D"),
            (100, "C"),
            (50, "L"),
            (10, "X"),
            (5, "V"),
            (1, "I"),
        ]
    } else {
        &[
            (1000, "M"),
            (900, "CM"),
            (500, "D"),
            (400, "CD"),
            (100, "C"),
            (90, "XC"),
            (50, "L"),
            (40, "XL"),
            (10, "X"),
            (9, "IX"),
            (5, "V"),
            (4, "IV"),
            (1, "I"),
        ]
    };
    let mut out = String::new();
    for (v, s) in table {
        while n >= *v {
            out.push_str(s);
            n -= v;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(n: i64) -> BigInt {
        BigInt::from(n)
    }

    #[test]
    fn words_as_sbcl() {
        assert_eq!(
            cardinal(&b(1234)).unwrap(),
            "one thousand two hundred thirty-four"
        );
        assert_eq!(
            ordinal(&b(1234)).unwrap(),
            "one thousand two hundred thirty-fourth"
        );
        assert_eq!(cardinal(&b(1000001)).unwrap(), "one million one");
        assert_eq!(cardinal(&b(-15)).unwrap(), "negative fifteen");
        assert_eq!(ordinal(&b(0)).unwrap(), "zeroth");
        assert_eq!(ordinal(&b(20)).unwrap(), "twentieth");
        assert_eq!(ordinal(&b(12)).unwrap(), "twelfth");
        assert_eq!(roman(&b(1994), false).unwrap(), "MCMXCIV");
        assert_eq!(roman(&b(1994), true).unwrap(), "MDCCCCLXXXXIIII");
        assert!(roman(&b(0), false).is_none());
        assert_eq!(roman(&b(4999), true).unwrap(), "MMMMDCCCCLXXXXVIIII");
        assert!(roman(&b(5000), true).is_none());
        assert!(roman(&b(4000), false).is_none());
    }
}
