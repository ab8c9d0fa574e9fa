//! The client's brand colour made legible: WCAG 2.1 relative luminance and contrast,
//! computed at build time, so that any accent (a pale yellow as much as a navy) gives
//! text of at least 4.5:1 on it and links of at least 4.5:1 on the page, in the light
//! and the dark scheme. The stylesheet only ever sees the adjusted colours.

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// The accent when client.toml's cannot be read as a colour.
pub const DEFAULT_ACCENT: Rgb = Rgb(0x1f, 0x4e, 0x79);
const WHITE: Rgb = Rgb(0xff, 0xff, 0xff);
const BLACK: Rgb = Rgb(0, 0, 0);
/// The darkest light-scheme surface links sit on (table heads, `--bg`).
const LIGHT_SURFACE: Rgb = Rgb(0xee, 0xf1, 0xf5);
/// The lightest dark-scheme surface links sit on (cards, table heads).
const DARK_SURFACE: Rgb = Rgb(0x26, 0x2c, 0x36);
/// WCAG 2.1 AA for normal text (1.4.3).
pub const AA: f64 = 4.5;

/// `#rgb` or `#rrggbb`; anything else is `None`.
pub fn parse(s: &str) -> Option<Rgb> {
    let hex = s.trim().strip_prefix('#')?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
    let nibble = |i: usize| u8::from_str_radix(hex.get(i..=i)?, 16).ok().map(|v| v * 17);
    match hex.len() {
        6 => Some(Rgb(byte(0)?, byte(2)?, byte(4)?)),
        3 => Some(Rgb(nibble(0)?, nibble(1)?, nibble(2)?)),
        _ => None,
    }
}

/// Relative luminance (WCAG 2.1 definition).
pub fn luminance(c: Rgb) -> f64 {
    let lin = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c.0) + 0.7152 * lin(c.1) + 0.0722 * lin(c.2)
}

/// Contrast ratio between two colours, 1 to 21.
pub fn contrast(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

/// Moves `c` toward `to` in small steps until it reaches `ratio` against `surface`
/// (toward black it always does, toward white it does for dark surfaces).
fn toward(c: Rgb, to: Rgb, surface: Rgb, ratio: f64) -> Rgb {
    let mix =
        |a: u8, b: u8, t: f64| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
    (0..=100)
        .map(|i| {
            let t = f64::from(i) / 100.0;
            Rgb(mix(c.0, to.0, t), mix(c.1, to.1, t), mix(c.2, to.2, t))
        })
        .find(|m| contrast(*m, surface) >= ratio)
        .unwrap_or(to)
}

/// The colours the stylesheet uses for one accent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    /// The brand colour as declared (bands, borders).
    pub accent: Rgb,
    /// Text on the accent: black or white, whichever contrasts more (always ≥ 4.5:1).
    pub on_accent: Rgb,
    /// The accent as text (links) on the light page: darkened until ≥ 4.5:1.
    pub accent_text: Rgb,
    /// The accent as text on the dark page: lightened until ≥ 4.5:1.
    pub dark_accent_text: Rgb,
}

/// The theme of a declared accent (`#rrggbb`; anything else gets the default).
pub fn theme(accent: &str) -> Theme {
    let accent = parse(accent).unwrap_or(DEFAULT_ACCENT);
    let on = |c: Rgb| {
        if contrast(c, BLACK) >= contrast(c, WHITE) {
            BLACK
        } else {
            WHITE
        }
    };
    Theme {
        accent,
        on_accent: on(accent),
        accent_text: toward(accent, BLACK, LIGHT_SURFACE, AA),
        dark_accent_text: toward(accent, WHITE, DARK_SURFACE, AA),
    }
}

/// What the `theme.css` template sees: every colour as `#rrggbb`.
#[derive(Debug, serde::Serialize)]
pub struct ThemeView {
    pub accent: String,
    pub on_accent: String,
    pub accent_text: String,
    pub dark_accent_text: String,
}

pub fn theme_view(accent: &str) -> ThemeView {
    let t = theme(accent);
    ThemeView {
        accent: t.accent.hex(),
        on_accent: t.on_accent.hex(),
        accent_text: t.accent_text.hex(),
        dark_accent_text: t.dark_accent_text.hex(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luminance_and_contrast_match_wcag_reference_values() {
        assert!((contrast(BLACK, WHITE) - 21.0).abs() < 1e-9);
        assert!((contrast(WHITE, WHITE) - 1.0).abs() < 1e-9);
        // #767676 on white is the classic 4.54:1.
        let grey = parse("#767676").unwrap();
        assert!((contrast(grey, WHITE) - 4.54).abs() < 0.01);
        assert_eq!(parse("#f4b400"), Some(Rgb(0xf4, 0xb4, 0x00)));
        assert_eq!(parse("#abc"), Some(Rgb(0xaa, 0xbb, 0xcc)));
        for bad in ["f4b400", "#f4b40", "#ggg", "", "#f4b400;}body{", "red"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    /// Regression: a client with a light brand colour (#f4b400) got white text on
    /// yellow, 62 contrast violations on its pages.
    #[test]
    fn every_accent_gives_aa_text_on_it_and_aa_links_on_both_schemes() {
        let mut accents = vec!["#f4b400".to_owned(), "#ffffff".into(), "#000000".into()];
        // A coarse sweep of the whole colour cube, every step of 0x33.
        for r in (0..=255).step_by(0x33) {
            for g in (0..=255).step_by(0x33) {
                for b in (0..=255).step_by(0x33) {
                    accents.push(Rgb(r as u8, g as u8, b as u8).hex());
                }
            }
        }
        for a in &accents {
            let t = theme(a);
            assert_eq!(t.accent, parse(a).unwrap());
            assert!(contrast(t.on_accent, t.accent) >= AA, "{a}: on accent");
            assert!(contrast(t.accent_text, LIGHT_SURFACE) >= AA, "{a}: link");
            assert!(contrast(t.accent_text, WHITE) >= AA, "{a}: link on white");
            assert!(
                contrast(t.dark_accent_text, DARK_SURFACE) >= AA,
                "{a}: dark link"
            );
        }
        let yellow = theme("#f4b400");
        assert_eq!(yellow.on_accent, BLACK, "black on yellow, not white");
        assert_eq!(
            yellow.accent,
            Rgb(0xf4, 0xb4, 0x00),
            "the band keeps the brand"
        );
        assert_eq!(theme("#1f4e79").on_accent, WHITE);
        // A dark accent is already legible as a link: it is kept as it is.
        assert_eq!(theme("#1f4e79").accent_text, Rgb(0x1f, 0x4e, 0x79));
        // Unreadable input falls back to the default, never into the stylesheet.
        assert_eq!(theme("red;}</style>").accent, DEFAULT_ACCENT);
    }
}
