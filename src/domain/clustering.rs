//! Finding clusters of similar incidents: problem candidates. Pure code, no I/O.
//!
//! Two incidents are similar when they are about the same service and their titles share
//! enough words: the Jaccard index of their word sets reaches the threshold. Words are
//! lower-cased, cut to their first six letters (a cheap stemmer that makes "Verbindungen"
//! and "Verbindung", or "printers" and "printer", the same word) and stop words are dropped.
//! Only pairs that share a word are ever compared, so the work grows with the matches, not
//! with the square of the incidents; words are numbered once, so a comparison is a merge of two
//! short sorted lists, and nothing is kept per pair (memory grows with the incidents only).

use std::collections::{HashMap, HashSet};

/// Letters a word is cut to before comparing.
const STEM: usize = 6;
/// A word in more titles than this says little about a cluster and is not used to find pairs.
const COMMON_WORD: usize = 500;

const STOP_WORDS: &[&str] = &[
    "the", "and", "for", "with", "not", "from", "does", "cannot", "can", "when", "after", "again",
    "der", "die", "das", "und", "mit", "von", "nicht", "kein", "keine", "beim", "seit", "ist",
    "sind", "wird", "bei", "auf", "aus", "ein", "eine", "einen", "dem", "den", "des", "zum", "zur",
    "nach", "mehr",
];

/// The stemmed, meaningful words of a title.
pub fn words(title: &str) -> HashSet<String> {
    title
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 3 && !STOP_WORDS.contains(&w.as_str()))
        .map(|w| w.chars().take(STEM).collect())
        .collect()
}

/// The Jaccard index of two sorted, duplicate-free word lists.
fn jaccard(a: &[u32], b: &[u32]) -> f64 {
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let all = a.len() + b.len() - shared;
    if all == 0 {
        0.0
    } else {
        #[expect(clippy::cast_precision_loss, reason = "word counts are small")]
        let ratio = shared as f64 / all as f64;
        ratio
    }
}

/// The representative of `i`'s group (union-find with path halving).
fn root(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Groups of indexes into `items` (`(service, title)`) whose members are similar, directly or
/// through each other; only groups of at least `min_size`, largest first.
pub fn clusters<S: Eq + std::hash::Hash + Clone>(
    items: &[(S, &str)],
    threshold: f64,
    min_size: usize,
) -> Vec<Vec<usize>> {
    // Every word numbered once; each title a sorted list of its word numbers.
    let mut numbers: HashMap<String, u32> = HashMap::new();
    let word_lists: Vec<Vec<u32>> = items
        .iter()
        .map(|(_, title)| {
            let mut list: Vec<u32> = words(title)
                .into_iter()
                .map(|w| {
                    let next = u32::try_from(numbers.len()).unwrap_or(u32::MAX);
                    *numbers.entry(w).or_insert(next)
                })
                .collect();
            list.sort_unstable();
            list
        })
        .collect();
    let mut by_word: HashMap<(S, u32), Vec<usize>> = HashMap::new();
    for (index, list) in word_lists.iter().enumerate() {
        for word in list {
            by_word
                .entry((items[index].0.clone(), *word))
                .or_default()
                .push(index);
        }
    }
    let mut parent: Vec<usize> = (0..items.len()).collect();
    for members in by_word
        .values()
        .filter(|m| m.len() > 1 && m.len() <= COMMON_WORD)
    {
        for (n, &a) in members.iter().enumerate() {
            for &b in &members[n + 1..] {
                // Already in one group (through this pair or others): nothing to learn.
                let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
                if ra != rb && jaccard(&word_lists[a], &word_lists[b]) >= threshold {
                    parent[rb] = ra;
                }
            }
        }
    }
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for index in 0..items.len() {
        let r = root(&mut parent, index);
        groups.entry(r).or_default().push(index);
    }
    let mut result: Vec<Vec<usize>> = groups
        .into_values()
        .filter(|g| g.len() >= min_size)
        .collect();
    for group in &mut result {
        group.sort_unstable();
    }
    result.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_stemmed_and_stop_words_dropped() {
        let a = words("Keine Verbindungen zum VPN");
        let b = words("VPN Verbindung bricht ab");
        assert!(a.contains("verbin") && b.contains("verbin") && a.contains("vpn"));
        assert!(!a.contains("keine") && !a.contains("zum"));
        assert_eq!(words("Printers offline"), words("printer OFFLINE!"));
    }

    #[test]
    fn similar_titles_of_one_service_cluster_and_others_do_not() {
        let items = [
            ("vpn", "VPN drops every five minutes"),
            ("vpn", "VPN connection drops"),
            ("vpn", "vpn drops again"),
            ("mail", "VPN drops every five minutes"), // same words, other service
            ("vpn", "Printer out of paper"),
            ("mail", "Mailbox full"),
            ("mail", "Mailbox is full"),
        ];
        let found = clusters(&items, 0.3, 2);
        assert_eq!(found, vec![vec![0, 1, 2], vec![5, 6]]);
        assert_eq!(
            clusters(&items, 0.3, 3),
            vec![vec![0, 1, 2]],
            "at least three"
        );
        assert!(
            clusters(&items, 0.95, 2)
                .iter()
                .all(|c| c != &vec![0, 1, 2]),
            "a strict threshold splits them"
        );
    }
}
