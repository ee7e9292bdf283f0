//! Fuzzy matching for the command palette and completion (nucleo, the
//! matcher of helix): "exprt" finds "Export result to file".

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher};

/// Items matching `query`, best first; equal scores keep their order. An empty query keeps everything.
pub fn rank<T: AsRef<str>>(query: &str, items: impl IntoIterator<Item = T>) -> Vec<T> {
    if query.trim().is_empty() {
        return items.into_iter().collect();
    }
    let mut matcher = Matcher::new(Config::DEFAULT);
    let pattern = Pattern::new(query, CaseMatching::Ignore, Normalization::Smart, AtomKind::Fuzzy);
    pattern
        .match_list(items, &mut matcher)
        .into_iter()
        .map(|(item, _)| item)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_in_order_match_and_closer_matches_rank_first() {
        let items = ["Export result to file", "Expand", "Reload schema"];
        assert_eq!(rank("exprt", items), vec!["Export result to file"]);
        assert_eq!(rank("", items).len(), 3);
        let words = ["customer_id", "customers", "cust_notes"];
        let r = rank("cstmrs", words);
        assert_eq!(r.first(), Some(&"customers"), "{r:?}");
    }
}
