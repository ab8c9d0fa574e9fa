//! A control's tunable thresholds as the catalogue declares them, and what the policy
//! loader needs to know about the catalogue: it receives a [`KnownControls`] instead of
//! reaching for the controls module, so the loaders stay below the catalogue.

/// A tunable threshold of a control, set in `controls.toml` under `[thresholds]`. Its
/// bounds are what the loader accepts; its direction is what `custody diff` calls
/// strengthening. Declared once as a `const` in the control's file, so a control reads
/// its value through the constant (`ctx.param(c, &MIN_PERCENT)`) and a misspelt name
/// is a compile error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Param {
    pub name: &'static str,
    pub default: f64,
    pub min: f64,
    pub max: f64,
    pub doc: &'static str,
    /// Which way is stricter.
    pub direction: Direction,
}

/// Which way a threshold is stricter: what `custody diff` calls strengthening.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A higher value asks more (`min_percent`, a minimum count).
    HigherIsStricter,
    /// A lower value asks more (a maximum count, a number of days allowed).
    LowerIsStricter,
}

impl Direction {
    /// The name machine output uses (`custody controls --format json`).
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::HigherIsStricter => "higher_is_stricter",
            Direction::LowerIsStricter => "lower_is_stricter",
        }
    }
}

/// The control catalogue as the policy loader sees it: which ids exist and which
/// thresholds each declares. The engine passes the real catalogue; tests may pass their own.
pub trait KnownControls: Sync {
    /// Every control id, in catalogue order.
    fn ids(&self) -> Vec<&str>;
    /// The thresholds of a known control; `None` for an unknown id.
    fn params(&self, id: &str) -> Option<&'static [Param]>;

    /// The known id nearest to a misspelt one, for "did you mean".
    fn closest_id(&self, id: &str) -> Option<&str> {
        self.ids()
            .into_iter()
            .map(|known| (edit_distance(id, known), known))
            .filter(|(d, _)| *d <= 3)
            .min()
            .map(|(_, known)| known)
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(ca != *cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Two;

    impl KnownControls for Two {
        fn ids(&self) -> Vec<&str> {
            vec!["access.guest-admins", "access.stale-admins"]
        }
        fn params(&self, _: &str) -> Option<&'static [Param]> {
            None
        }
    }

    #[test]
    fn closest_id_suggests_a_near_miss_only() {
        assert_eq!(
            Two.closest_id("access.guest-admin"),
            Some("access.guest-admins")
        );
        assert_eq!(Two.closest_id("nothing.like.it"), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
